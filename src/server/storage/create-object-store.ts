import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config/env.js';
import { LocalObjectStore } from './local-object-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3-object-store.js';

/** S3 when S3_BUCKET is set, the local disk under DATA_DIR/objects otherwise. */
export function createObjectStore(config: Pick<Config, 's3' | 'dataDir'>): ObjectStore {
  const { s3 } = config;
  if (!s3) return new LocalObjectStore(path.join(config.dataDir, 'objects'));
  const client = new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: s3.forcePathStyle,
    credentials: s3.credentials,
    requestChecksumCalculation: s3.requestChecksumCalculation,
    responseChecksumValidation: s3.responseChecksumValidation,
  });
  return new S3ObjectStore({ client, bucket: s3.bucket });
}
