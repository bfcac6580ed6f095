import { describe, expect, it } from 'vitest';
import { settle, unwrap } from '../../src/server/async/settled.js';

describe('settle and unwrap', () => {
  it('keep a value, and give it back', async () => {
    const settled = await settle(Promise.resolve(42));
    expect(settled).toEqual({ ok: true, value: 42 });
    expect(unwrap(settled)).toBe(42);
  });

  it('keep a rejection as a value, and throw the same error when it is read', async () => {
    const failure = new Error('EACCES');
    const settled = await settle(Promise.reject(failure));
    expect(settled).toEqual({ ok: false, error: failure });
    expect(() => unwrap(settled)).toThrow(failure);
  });

  it('leave no unhandled rejection behind for a promise that is never read', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => { unhandled.push(reason); };
    process.on('unhandledRejection', listener);
    try {
      void settle(Promise.reject(new Error('read ahead, never needed')));
      // Node reports an unhandled rejection once the microtasks that could have handled it have run.
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('unhandledRejection', listener);
    }
    expect(unhandled).toEqual([]);
  });
});
