import { afterEach, describe, expect, it } from 'vitest';
import { createSessionIdStore } from '../../src/client/session/index.js';

const KEY = 'tabsync.sessionId';
const ID = '0b5c6f8e-4d1a-4c3e-9f2b-7a8d9e0f1a2b';

afterEach(() => {
  localStorage.clear();
  sessionStorage.clear();
});

const refused = (): Storage => { throw new DOMException('The operation is insecure.', 'SecurityError'); };

/** The browser's localStorage, except that writes fail while `failing` says so (a full or locked-down storage). */
class FailingWrites {
  failing: boolean;
  constructor(failing: boolean) {
    this.failing = failing;
  }
  get length() { return localStorage.length; }
  clear() { localStorage.clear(); }
  key(index: number) { return localStorage.key(index); }
  getItem(key: string) { return localStorage.getItem(key); }
  removeItem(key: string) { localStorage.removeItem(key); }
  setItem(key: string, value: string) {
    if (this.failing) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    localStorage.setItem(key, value);
  }
}

describe('where the session id is kept', () => {
  it('uses localStorage when it works, so every tab and the next visit find the id', () => {
    const store = createSessionIdStore();
    expect(store.kind).toBe('localStorage');
    store.write(ID);
    expect(localStorage.getItem(KEY)).toBe(ID);
    expect(createSessionIdStore().read()).toBe(ID);
    store.write(null);
    expect(localStorage.getItem(KEY)).toBeNull();
  });

  it('falls back to sessionStorage when localStorage throws (fault injected: a refusing localStorage)', () => {
    const store = createSessionIdStore({ localStorage: refused, sessionStorage: () => sessionStorage });
    expect(store.kind).toBe('sessionStorage');
    store.write(ID);
    expect(sessionStorage.getItem(KEY)).toBe(ID);
    expect(store.read()).toBe(ID);
  });

  it('falls back to memory when both storages throw (fault injected: both refusing)', () => {
    const store = createSessionIdStore({ localStorage: refused, sessionStorage: refused });
    expect(store.kind).toBe('memory');
    expect(store.read()).toBeNull();
    store.write(ID);
    expect(store.read()).toBe(ID);
  });

  it('skips a storage that can be reached but not written (fault injected: a full localStorage)', () => {
    const store = createSessionIdStore({ localStorage: () => new FailingWrites(true), sessionStorage: () => sessionStorage });
    expect(store.kind).toBe('sessionStorage');
  });

  it('keeps the id in memory when a working storage starts to throw (fault injected: writes fail later)', () => {
    const flaky = new FailingWrites(false);
    const store = createSessionIdStore({ localStorage: () => flaky, sessionStorage: () => sessionStorage });
    expect(store.kind).toBe('localStorage');

    flaky.failing = true;
    store.write(ID);
    expect(store.kind).toBe('memory');
    expect(store.read()).toBe(ID);
  });
});
