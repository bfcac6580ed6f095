/** Each part of a Redis stream id is an unsigned 64-bit integer. */
export const EVENT_ID_PART_MAX = 2n ** 64n - 1n;
const SHAPE = /^(\d{1,20})-(\d{1,20})$/;

/** The two parts of a stream id, or undefined when `id` is not one Redis could have made. */
export function parseEventId(id: string): [bigint, bigint] | undefined {
  const match = SHAPE.exec(id);
  if (!match?.[1] || !match[2]) return undefined;
  const ms = BigInt(match[1]);
  const seq = BigInt(match[2]);
  return ms <= EVENT_ID_PART_MAX && seq <= EVENT_ID_PART_MAX ? [ms, seq] : undefined;
}

/** The id that comes right after `id`, or undefined if `id` is the largest there can be. */
export function nextEventId(id: string): string | undefined {
  const parts = parseEventId(id);
  if (!parts) throw new RangeError(`${id} is not an event id`);
  const [ms, seq] = parts;
  if (seq < EVENT_ID_PART_MAX) return `${ms}-${seq + 1n}`;
  return ms < EVENT_ID_PART_MAX ? `${ms + 1n}-0` : undefined;
}

/** The id that comes right before `id`, or undefined if `id` is the smallest there can be. */
export function previousEventId(id: string): string | undefined {
  const parts = parseEventId(id);
  if (!parts) throw new RangeError(`${id} is not an event id`);
  const [ms, seq] = parts;
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  return ms > 0n ? `${ms - 1n}-${EVENT_ID_PART_MAX}` : undefined;
}

/** Event ids are Redis stream ids, `<ms>-<seq>`; this orders two of them (negative: a before b). */
export function compareEventIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}
