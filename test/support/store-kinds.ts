import { DATABASE_KINDS } from './databases.js';

export type StoreKind = 'local' | 's3';
/** Every storage and upload test runs on both adapters. */
export const STORE_KINDS: StoreKind[] = ['local', 's3'];
/** Each database kind with each store kind, for the suites that depend on both. */
export const DATABASE_AND_STORE_KINDS = DATABASE_KINDS.flatMap((database) => STORE_KINDS.map((store) => [database, store] as const));
