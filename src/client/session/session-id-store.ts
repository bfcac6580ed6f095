/** One text a tab keeps between visits (null: none), in whichever storage holds up. */
export interface StoredValue {
  /** Which storage held up: `memory` means the value is lost on reload. */
  readonly kind: 'localStorage' | 'sessionStorage' | 'memory';
  read(): string | null;
  write(value: string | null): void;
}

/** Where a tab keeps its session id between visits. */
export type SessionIdStore = StoredValue;

const KEY = 'tabsync.sessionId';

/** Reaching a storage may itself throw (Safari's private mode, blocked cookies): hence getters. */
export interface StorageCandidates {
  localStorage: () => Storage;
  sessionStorage: () => Storage;
}

const browserStorages: StorageCandidates = {
  localStorage: () => globalThis.localStorage,
  sessionStorage: () => globalThis.sessionStorage,
};

/** A storage that can be reached and written to, or undefined. */
function usable(get: () => Storage, key: string): Storage | undefined {
  try {
    const storage = get();
    storage.setItem(`${key}.probe`, '1');
    storage.removeItem(`${key}.probe`);
    return storage;
  } catch {
    return undefined;
  }
}

/**
 * `localStorage` (shared by every tab, kept across restarts), else `sessionStorage` (this tab,
 * kept across reloads), else memory. A storage that starts to throw later (quota, a policy
 * change) gives way to memory for the rest of the visit, so the app keeps working.
 */
export function createSessionIdStore(candidates: StorageCandidates = browserStorages): SessionIdStore {
  return createStoredValue(KEY, candidates);
}

/** The value under `key`, kept as the session id is (see createSessionIdStore). */
export function createStoredValue(key: string, candidates: StorageCandidates = browserStorages): StoredValue {
  for (const kind of ['localStorage', 'sessionStorage'] as const) {
    const storage = usable(candidates[kind], key);
    if (storage) return fallingBackToMemory(kind, storage, key);
  }
  return memoryStore();
}

export function memoryStore(initial: string | null = null): StoredValue {
  let value = initial;
  return {
    kind: 'memory',
    read: () => value,
    write: (next) => { value = next; },
  };
}

function fallingBackToMemory(kind: 'localStorage' | 'sessionStorage', storage: Storage, key: string): StoredValue {
  let fallback: StoredValue | undefined;
  return {
    get kind() {
      return fallback ? fallback.kind : kind;
    },
    read() {
      if (fallback) return fallback.read();
      try {
        return storage.getItem(key);
      } catch {
        fallback = memoryStore();
        return null;
      }
    },
    write(value) {
      if (fallback) { fallback.write(value); return; }
      try {
        if (value === null) storage.removeItem(key);
        else storage.setItem(key, value);
      } catch {
        fallback = memoryStore(value);
      }
    },
  };
}
