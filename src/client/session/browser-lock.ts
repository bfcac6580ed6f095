/**
 * Runs `operation` while no other tab of this browser runs one under the same name (Web Locks),
 * or at once in a browser without them. Starting or replacing a session sets the browser's one
 * credential cookie: two tabs doing it at once would leave one of them holding a session whose
 * credential the cookie no longer carries.
 */
export async function exclusively<T>(name: string, operation: () => Promise<T>): Promise<T> {
  const locks = globalThis.navigator.locks as LockManager | undefined;
  if (!locks) return operation();
  return locks.request(name, operation);
}
