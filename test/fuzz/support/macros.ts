/**
 * Tokens a generator writes where a value must be decided only when the request is sent: the live
 * session's values (a fuzzed `session.reset` can replace the session while the fuzz runs) and
 * bodies too large to print in a counterexample. A failing case prints with its tokens, which
 * read as what they stand for: `{"sessionId":"{{sessionId}}","text":"{{long:1048576}}"}`. They are
 * ASCII, so that they survive in any body, binary ones included.
 */
export const LIVE = {
  sessionId: '{{sessionId}}',
  fileId: '{{fileId}}',
  credential: '{{credential}}',
} as const;

export interface LiveValues {
  sessionId: string;
  credential: string;
  fileId: string;
}

/** `bytes` characters of plain ASCII. */
export function long(bytes: number): string {
  return `{{long:${bytes}}}`;
}

/** JSON arrays nested `depth` deep. */
export function nested(depth: number): string {
  return `{{nest:${depth}}}`;
}

export const TOKEN = /\{\{(?:sessionId|fileId|credential|long:\d+|nest:\d+)\}\}/g;
const TOKEN_MARK = Buffer.from('{{', 'latin1');

export function expand(text: string, live: LiveValues): string {
  return text.replace(TOKEN, (token) => {
    const name = token.slice(2, -2);
    if (name === 'sessionId' || name === 'fileId' || name === 'credential') return live[name];
    const [kind = '', size = '0'] = name.split(':');
    const count = Number(size);
    return kind === 'long' ? 'a'.repeat(count) : `${'['.repeat(count)}${']'.repeat(count)}`;
  });
}

/** The same for bytes, byte for byte (read as latin1, tokens and what they expand to are ASCII). */
export function expandBytes(bytes: Buffer, live: LiveValues): Buffer {
  return bytes.includes(TOKEN_MARK) ? Buffer.from(expand(bytes.toString('latin1'), live), 'latin1') : bytes;
}
