export {
  ArtifactNotFoundError,
  type ArtifactStore,
  checkArtifactKey,
  InvalidArtifactKeyError,
} from './artifact-store.js';
export { LocalFolderArtifactStore } from './local-folder.js';
// S3ArtifactStore is imported from './s3-store.js' where it is used: the SDK loads only then.
export { parseS3Url, type S3Location } from './s3-url.js';
