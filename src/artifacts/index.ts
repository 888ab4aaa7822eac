export {
  ArtifactNotFoundError,
  type ArtifactStore,
  checkArtifactKey,
  InvalidArtifactKeyError,
} from './artifact-store.js';
export { LocalFolderArtifactStore } from './local-folder.js';
