import { afterAll, beforeAll } from 'vitest';

/**
 * A resource for the enclosing describe block (or file): started before its first test and
 * stopped after its last. The handle reads through to the resource, so it is usable in hooks and
 * tests, not while the block is being declared.
 */
export function useForBlock<T extends object>(what: string, start: () => Promise<T>, stop: (resource: T) => Promise<void>): T {
  let resource: T | undefined;
  beforeAll(async () => { resource = await start(); });
  afterAll(async () => {
    if (resource) await stop(resource);
  });
  const started = (): T => {
    if (!resource) throw new Error(`${what} has not started: use it inside a hook or a test`);
    return resource;
  };
  return new Proxy({} as T, {
    get(_, key) {
      const target = started();
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    has: (_, key) => key in started(),
  });
}
