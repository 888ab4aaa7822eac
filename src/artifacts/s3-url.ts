// ARTIFACTS_URL's object-store form, checked by the configuration without loading the S3 SDK.
import { checkArtifactKey } from './artifact-store.js';

export interface S3Location {
  bucket: string;
  /** Key prefix without a trailing slash; '' for the bucket's root. */
  prefix: string;
}

/** `s3://bucket/some/prefix` -> its bucket and prefix; a message naming the problem otherwise. */
export function parseS3Url(url: string): S3Location | string {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(url.trim());
  if (!match)
    return 'expected s3://<bucket>[/<prefix>] (bucket: 3-63 lower-case letters, digits, . -)';
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix !== '') {
    try {
      checkArtifactKey(prefix);
    } catch {
      return 'the prefix after the bucket must be plain path segments (letters, digits, . _ -)';
    }
  }
  return { bucket: match[1]!, prefix };
}
