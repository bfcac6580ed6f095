import { jsonEncoder, type Encoder } from '@trpc/server/adapters/ws';
import { sharedJsonOf } from '../realtime/shared-json.js';

/**
 * tRPC's JSON encoder, byte for byte, with one shortcut: a data message whose payload was
 * serialised once for the whole instance (`shareJson`) has that text spliced into its envelope.
 * One event fanned out to a thousand subscriptions is then stringified once, not a thousand
 * times; only the envelope (whose `id` is each subscription's own) is built per message. Node 20
 * has no `JSON.rawJSON`, so the envelope is written here, in the order `JSON.stringify` would.
 */
export const sharedPayloadEncoder: Encoder = {
  encode(message) {
    const payload = sharedPayloadOf(message);
    if (payload === undefined) return jsonEncoder.encode(message);
    return stringifyAround(message, payload.value, payload.json) ?? jsonEncoder.encode(message);
  },
  decode: (data) => jsonEncoder.decode(data),
};

interface SharedPayload {
  value: object;
  json: string;
}

/**
 * Where tRPC puts a subscription's value in a data message: `result.data`, or `result.data.data`
 * when the value was `tracked(id, value)`.
 */
function sharedPayloadOf(message: unknown): SharedPayload | undefined {
  if (!isRecord(message) || !isRecord(message.result) || message.result.type !== 'data') return undefined;
  const data = message.result.data;
  for (const candidate of [data, isRecord(data) ? data.data : undefined]) {
    const json = sharedJsonOf(candidate);
    if (json !== undefined && isRecord(candidate)) return { value: candidate, json };
  }
  return undefined;
}

/**
 * `JSON.stringify(value)` with `json` standing in for `target`. Walks plain objects only (the
 * envelope tRPC builds); anything else is left to `JSON.stringify`, which also decides which keys
 * it drops (undefined, functions, symbols). Undefined when `value` itself would not be written.
 */
function stringifyAround(value: unknown, target: object, json: string): string | undefined {
  if (value === target) return json;
  if (!isPlainRecord(value)) return JSON.stringify(value);
  let text = '';
  for (const key of Object.keys(value)) {
    const member = stringifyAround(value[key], target, json);
    if (member === undefined) continue;
    text += `${text === '' ? '' : ','}${JSON.stringify(key)}:${member}`;
  }
  return `{${text}}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** An object `JSON.stringify` writes key by key: no prototype of its own, no `toJSON`. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value) || Array.isArray(value) || 'toJSON' in value) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
