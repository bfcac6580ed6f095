import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(payload);
}

/** The error body the host and the REST aliases answer with. */
export function errorBody(status: number, code: string, message: string, requestId: string): { error: { code: string; httpStatus: number; message: string; requestId: string } } {
  return { error: { code, httpStatus: status, message, requestId } };
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, requestId: string): void {
  sendJson(res, status, errorBody(status, code, message, requestId));
}

export class BodyError extends Error {
  override name = 'BodyError';
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** The client went away before its body was in: nobody is left to answer, and nothing of ours failed. */
export class ClientGoneError extends Error {
  override name = 'ClientGoneError';
  constructor(options?: ErrorOptions) {
    super('The client closed the connection before its request body arrived.', options);
  }
}

/**
 * Answers a request whose body may not have been read to its end, and then closes the connection
 * if it was not: the bytes left unread would otherwise hold the connection (the next request sent
 * on it would never be answered) or be read as a request of their own.
 */
export function sendJsonToRequest(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  if (!req.complete) res.setHeader('Connection', 'close');
  sendJson(res, status, body);
}

function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

/**
 * Reads a small JSON body; an empty body reads as undefined. A body over the limit is refused
 * with 413, before a byte is read when its length is declared; answer such a refusal with
 * sendJsonToRequest, since the rest of the body is left unread.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes = 16 * 1024): Promise<unknown> {
  const type = req.headers['content-type'];
  if ((declaredLength(req) ?? 0) > limitBytes) throw new BodyError(413, `The request body must be at most ${limitBytes} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  // Left undestroyed on a refusal: destroying the request would close the connection before the 413 is sent.
  try {
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) throw new BodyError(413, `The request body must be at most ${limitBytes} bytes.`);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof BodyError || req.complete) throw error;
    throw new ClientGoneError({ cause: error });
  }
  if (size === 0) return undefined;
  if (type && !/^application\/json\b/i.test(type)) throw new BodyError(415, 'Send the body as JSON with Content-Type: application/json.');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new BodyError(400, 'The request body is not valid JSON. Send an object such as {"sessionId": "…"}.');
  }
}
