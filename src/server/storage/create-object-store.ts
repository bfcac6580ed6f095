import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config/env.js';
import { FreeSpaceFloor, statfsFreeBytes, type FreeBytesReader, type StorageCapacity } from './free-space-floor.js';
import { LocalObjectStore } from './local-object-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3-object-store.js';

/** Where the local store keeps its objects. */
function localObjectsDir(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'objects');
}

/** S3 when S3_BUCKET is set, the local disk under DATA_DIR/objects otherwise. */
export function createObjectStore(config: Pick<Config, 's3' | 'dataDir'>): ObjectStore {
  const { s3 } = config;
  if (!s3) return new LocalObjectStore(localObjectsDir(config));
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

/**
 * The free-space floor of the local store (STORAGE_MIN_FREE_BYTES), read from the disk under
 * DATA_DIR/objects unless `readFreeBytes` is given; none for S3, or when the floor is 0.
 */
export function createStorageCapacity(
  config: Pick<Config, 'dataDir' | 'storageMinFreeBytes'>,
  store: Pick<ObjectStore, 'kind'>,
  readFreeBytes: FreeBytesReader = statfsFreeBytes(localObjectsDir(config)),
): StorageCapacity | undefined {
  if (store.kind !== 'local' || config.storageMinFreeBytes === 0) return undefined;
  return new FreeSpaceFloor({ minFreeBytes: config.storageMinFreeBytes, readFreeBytes });
}
