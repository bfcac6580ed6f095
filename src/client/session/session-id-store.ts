/** Where a tab keeps its session id between visits. */
export interface SessionIdStore {
  /** Which storage held up: `memory` means the id is lost on reload. */
  readonly kind: 'localStorage' | 'sessionStorage' | 'memory';
  read(): string | null;
  write(sessionId: string | null): void;
}

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
function usable(get: () => Storage): Storage | undefined {
  try {
    const storage = get();
    storage.setItem(`${KEY}.probe`, '1');
    storage.removeItem(`${KEY}.probe`);
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
  for (const kind of ['localStorage', 'sessionStorage'] as const) {
    const storage = usable(candidates[kind]);
    if (storage) return fallingBackToMemory(kind, storage);
  }
  return memoryStore();
}

export function memoryStore(initial: string | null = null): SessionIdStore {
  let value = initial;
  return {
    kind: 'memory',
    read: () => value,
    write: (sessionId) => { value = sessionId; },
  };
}

function fallingBackToMemory(kind: 'localStorage' | 'sessionStorage', storage: Storage): SessionIdStore {
  let fallback: SessionIdStore | undefined;
  return {
    get kind() {
      return fallback ? fallback.kind : kind;
    },
    read() {
      if (fallback) return fallback.read();
      try {
        return storage.getItem(KEY);
      } catch {
        fallback = memoryStore();
        return null;
      }
    },
    write(sessionId) {
      if (fallback) { fallback.write(sessionId); return; }
      try {
        if (sessionId === null) storage.removeItem(KEY);
        else storage.setItem(KEY, sessionId);
      } catch {
        fallback = memoryStore(sessionId);
      }
    },
  };
}
