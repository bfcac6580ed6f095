/**
 * Values delivered to many subscriptions at once, each with its JSON text computed once for the
 * whole instance. A socket's encoder looks the text up instead of stringifying the value again
 * for every subscription that carries it (see `http/ws-encoder.ts`).
 */
const texts = new WeakMap<object, string>();

/**
 * Freezes `value` (deeply: its text must stay true for as long as it is shared) and records its
 * JSON text. Returns the same object.
 */
export function shareJson<T extends object>(value: T): T {
  deepFreeze(value);
  texts.set(value, JSON.stringify(value));
  return value;
}

/** The JSON text recorded for `value`, exactly what `JSON.stringify(value)` gives; undefined if it is not shared. */
export function sharedJsonOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? texts.get(value) : undefined;
}

function deepFreeze(value: object): void {
  if (Object.isFrozen(value)) return;
  Object.freeze(value);
  const children: unknown[] = Object.values(value);
  for (const child of children) if (typeof child === 'object' && child !== null) deepFreeze(child);
}
