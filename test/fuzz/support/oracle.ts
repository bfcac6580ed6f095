import type { HttpAnswer, RawAnswer } from './exchange.js';

/**
 * What may never reach a client: stack frames, the driver's and the database's words, SQL, the
 * server's own files. A marker also found in the request is an echo of the client's own input
 * (a 404 names the path it was asked for), not a leak, so it does not count.
 */
const LEAK_MARKERS: readonly RegExp[] = [
  /\bat [^"\n]{0,160}?\.[cm]?[jt]sx?:\d+:\d+/, // a stack frame: "at fn (/srv/app/x.js:1:2)"
  /\bat \/[\w./-]+\.[cm]?[jt]sx?\b/, // "at /srv/app/x.js", which a message like "served at /api/trpc" is not
  /node:internal\//,
  /SQLITE/i,
  /sequelize/i,
  /node_modules/,
  /\b\w*Error:/,
  /\bSELECT\b[\s\S]{0,200}\bFROM\b|\bINSERT INTO\b|\bUPDATE\s+\S+\s+SET\b|\bDELETE FROM\b/i,
  /\.[cm]?[jt]s:\d+/, // a source position
  /(?:^|[\s"'(=])\/(?:home|work|usr|var|tmp|opt|srv|root|app)\/[\w.-]/, // an absolute path of this machine
];

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The leak markers (and the server's own paths) found in a response but not in the request it answers. */
export function leaksIn(response: string, request: string, serverPaths: readonly string[]): string[] {
  const markers = LEAK_MARKERS.filter((marker) => marker.test(response));
  const paths = serverPaths.filter((path) => response.includes(path));
  if (markers.length === 0 && paths.length === 0) return [];
  const asked = `${request}\n${decoded(request)}`;
  return [
    ...markers.filter((marker) => !marker.test(asked)).map((marker) => `${marker.source} in ${JSON.stringify(excerpt(response, marker))}`),
    ...paths.filter((path) => !asked.includes(path)).map((path) => `the server path ${path}`),
  ];
}

function excerpt(text: string, marker: RegExp): string {
  const at = text.search(marker);
  return text.slice(Math.max(0, at - 60), at + 80);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every error object in a JSON body (tRPC's `{ error }`, a batch's array of them, the REST
 * aliases' `{ error }`): each has a message, and none says it is a server failure.
 */
export function problemsWithErrors(body: unknown): string[] {
  const envelopes = Array.isArray(body) ? body : [body];
  const problems: string[] = [];
  for (const envelope of envelopes) {
    if (!isRecord(envelope) || !('error' in envelope)) continue;
    const error = envelope.error;
    if (!isRecord(error)) {
      problems.push(`an error that is not an object: ${JSON.stringify(error)}`);
      continue;
    }
    if (typeof error.message !== 'string' || error.message.trim() === '') problems.push(`an error without a message: ${JSON.stringify(error)}`);
    const data = isRecord(error.data) ? error.data : error;
    if (typeof data.httpStatus === 'number' && data.httpStatus >= 500) problems.push(`an error with httpStatus ${data.httpStatus}: ${JSON.stringify(error)}`);
    if (error.code === -32603 || data.code === 'INTERNAL_SERVER_ERROR') problems.push(`an INTERNAL_SERVER_ERROR: ${JSON.stringify(error)}`);
  }
  return problems;
}

export interface SentRequest {
  /** The request as sent, for telling echoes from leaks. */
  text: string;
  method: string;
  bodyBytes: number;
}

/** A body too large for the server to read whole may be refused by hanging up on it. */
const MAY_HANG_UP_ABOVE_BYTES = 64 * 1024;

/** Everything wrong with how the server answered one request over node:http. */
export function problemsWithHttpAnswer(answer: HttpAnswer, sent: SentRequest, serverPaths: readonly string[]): string[] {
  switch (answer.kind) {
    case 'hung':
      return ['no answer (and no hang-up) within the time limit'];
    case 'abandoned':
      return []; // the error that escaped the server meanwhile is the problem, reported on its own
    case 'closed':
      return sent.bodyBytes > MAY_HANG_UP_ABOVE_BYTES ? [] : [`the connection ended without an answer (${answer.error})`];
    case 'event-stream':
      return [`a ${answer.status} event stream that stays open: a subscription served over HTTP`];
    case 'answered':
      break;
  }
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`status ${answer.status}`);
  problems.push(...leaksIn(`${JSON.stringify(answer.headers)}\n${answer.body}`, sent.text, serverPaths));
  problems.push(...serverFailuresIn(answer.body, sent.text));
  if (isJsonLines(answer.body)) {
    // A streamed batch (trpc-accept: application/jsonl): a JSON value a line, with the errors
    // nested inside them, which the text checks above cover.
  } else if (answer.status >= 400 && sent.method !== 'HEAD' && answer.body !== '') {
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      problems.push(`a ${answer.status} whose body is not JSON: ${JSON.stringify(answer.body.slice(0, 200))}`);
    }
    if (body !== undefined) {
      const envelopes = Array.isArray(body) ? body : [body];
      if (!envelopes.some((envelope) => isRecord(envelope) && 'error' in envelope)) problems.push(`a ${answer.status} with no error in its body: ${answer.body.slice(0, 200)}`);
      problems.push(...problemsWithErrors(body));
    }
  } else if (/json/i.test(answer.headers['content-type'] ?? '') && answer.body !== '') {
    try {
      problems.push(...problemsWithErrors(JSON.parse(answer.body)));
    } catch {
      problems.push(`a ${answer.status} JSON answer that does not parse: ${JSON.stringify(answer.body.slice(0, 200))}`);
    }
  }
  return problems;
}

function isJsonLines(body: string): boolean {
  const lines = body.split('\n').filter((line) => line.trim() !== '');
  if (lines.length < 2) return false;
  try {
    for (const line of lines) JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/** A failure reported inside a body that is not an error envelope of its own (a streamed batch, a WebSocket frame). */
export function serverFailuresIn(body: string, request: string): string[] {
  const markers = [/"httpStatus":\s*5\d\d/, /"code":\s*-32603\b/, /INTERNAL_SERVER_ERROR/];
  return markers.filter((marker) => marker.test(body) && !marker.test(request)).map((marker) => `a server failure (${marker.source}) in ${JSON.stringify(excerpt(body, marker))}`);
}

/** The body of the first response on a raw connection, de-chunked when it was sent in chunks. */
export function firstBody(text: string): { headers: string; body: string } | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const headers = text.slice(0, end);
  let rest = text.slice(end + 4);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
  if (length?.[1]) return { headers, body: rest.slice(0, Number(length[1])) };
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(headers)) return { headers, body: rest };
  let body = '';
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (lineEnd === -1 || !Number.isFinite(size) || size === 0) break;
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 4 + size);
  }
  return { headers, body };
}

/** Everything wrong with what the server wrote back on a raw connection. */
export function problemsWithRawAnswer(answer: RawAnswer, sent: string, serverPaths: readonly string[]): string[] {
  const problems: string[] = [];
  if (answer.hung) problems.push('no answer (and no hang-up) within the time limit');
  const failing = answer.statuses.filter((status) => status >= 500);
  if (failing.length > 0) problems.push(`status ${failing.join(', ')}`);
  problems.push(...leaksIn(answer.text, sent, serverPaths));
  const first = firstBody(answer.text);
  const answersHead = sent.startsWith('HEAD ');
  if (first && !answersHead && /\r\ncontent-type:[^\r]*json/i.test(first.headers) && answer.statuses[0] !== undefined && answer.statuses[0] >= 400) {
    try {
      problems.push(...problemsWithErrors(JSON.parse(first.body)));
    } catch {
      problems.push(`a JSON error body that does not parse: ${JSON.stringify(first.body.slice(0, 200))}`);
    }
  }
  return problems;
}
