// A local S3-compatible server (s3rver) for tests: the SDK's real HTTP requests, one bucket,
// objects kept in a temporary folder. Never a mock of the SDK. (s3rver checks the access key
// of each request, not its SigV4 signature.)
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

// The SDK warns once per process that its 2027 releases need Node 22; operators on Node 20
// should see that, test output need not.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** The settings that point the product at this bucket under `prefix`. */
  env(prefix: string): Record<string, string>;
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'firstframe-test'): Promise<TestS3Server> {
  const directory = mkdtempSync(path.join(tmpdir(), 'ff-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    env: (prefix) => ({
      ARTIFACTS_URL: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: endpoint,
      // s3rver's one account.
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    }),
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
