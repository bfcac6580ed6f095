import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { getTRPCErrorFromUnknown, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { API_ERROR_STATUS } from '../../shared/errors.js';
import { fileIdSchema, INLINE_IMAGE_TYPES } from '../../shared/files.js';
import { sessionIdSchema } from '../../shared/session.js';
import { toApiError } from '../api/domain-errors.js';
import { describeError } from '../api/error-shape.js';
import type { Logger } from '../logger.js';
import type { RateLimits } from '../security/rate-limits.js';
import { clientBudget, spendOrRefuse } from '../security/spend-or-refuse.js';
import type { Actor } from '../services/actor.js';
import type { AuditService } from '../services/audit/audit.service.js';
import type { RefusalAuditGate } from '../services/audit/refusal-audit-gate.js';
import { InvalidRequestError } from '../services/errors.js';
import { FileTooLargeError, InsufficientStorageError, UploadIdleTimeoutError, UploadInterruptedError } from '../services/files/files.errors.js';
import type { FilesService } from '../services/files/files.service.js';
import type { SessionService } from '../services/session/session.service.js';
import type { CredentialReader } from './credential-cookie.js';
import type { RequestScope, RouteHandler } from './host.js';
import { sendError, sendJson } from './json-response.js';

export const FILES_PATH = '/api/files';

export interface FilesRoutesOptions {
  sessions: SessionService;
  files: FilesService;
  log: Logger;
  audit: Pick<AuditService, 'record'>;
  /** The per-client request budget (`files.upload`, UPLOAD_RATE_LIMIT_PER_MINUTE); the byte budget is the files service's. */
  rateLimits: Pick<RateLimits, 'consume'>;
  refusalGate: RefusalAuditGate;
  /** An upload that sends no byte for this long is ended (UPLOAD_IDLE_TIMEOUT). */
  uploadIdleTimeoutMs: number;
  /** The request's credential, by the cookie name its scheme gives it. */
  readCredential: CredentialReader;
}

/** What a multipart body may hold besides its one file: a form's few small fields. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
/** What a 503 for an unavailable queue suggests waiting: about as long as Redis takes to come back. */
const QUEUE_RETRY_AFTER_SECONDS = 5;
/** The longest name accepted before it is made safe (and cut to length). */
const MAX_RAW_NAME = 8192;

const uploadQuerySchema = z.object({
  sessionId: sessionIdSchema,
  name: z.string().max(MAX_RAW_NAME, { error: `must be at most ${MAX_RAW_NAME} characters long` }).optional(),
});

function actorOf(req: IncomingMessage, scope: RequestScope): Actor & { ip: string } {
  return { ip: scope.ip, userAgent: req.headers['user-agent'] ?? null, requestId: scope.requestId };
}

function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

/** The API error for what went wrong; the few the services do not know are HTTP's own. */
function apiErrorOf(error: unknown): TRPCError {
  if (error instanceof z.ZodError) return new TRPCError({ code: 'BAD_REQUEST', message: 'Invalid input', cause: error });
  if (error instanceof UploadIdleTimeoutError) return new TRPCError({ code: 'TIMEOUT', message: error.message, cause: error });
  return getTRPCErrorFromUnknown(toApiError(error));
}

/**
 * Answers a failed request in the REST shape the aliases use. A body left unread is not read on:
 * the connection closes after the answer, so a client sending a huge (or endless) body stops at once.
 */
function sendFailure(req: IncomingMessage, res: ServerResponse, scope: RequestScope, log: Logger, error: unknown): void {
  if (res.headersSent) {
    // The answer was under way (a download the client stopped reading): nothing more can be said.
    log.debug({ err: error, requestId: scope.requestId }, 'file transfer ended early');
    res.destroy();
    return;
  }
  if (error instanceof UploadInterruptedError) {
    // The client's doing, not a fault here: worth a line, not an alarm.
    log.info({ requestId: scope.requestId, reason: error.reason }, 'upload interrupted');
    if (req.socket.destroyed) return;
  }
  if (!req.complete) res.setHeader('Connection', 'close');
  // 507 has no tRPC code to travel as: it is answered here, in the shape of every other error.
  if (error instanceof InsufficientStorageError) {
    sendError(res, API_ERROR_STATUS.INSUFFICIENT_STORAGE, 'INSUFFICIENT_STORAGE', error.message, scope.requestId);
    return;
  }
  const trpcError = apiErrorOf(error);
  if (trpcError.code === 'INTERNAL_SERVER_ERROR') log.error({ err: trpcError.cause ?? trpcError, requestId: scope.requestId }, 'file route failed');
  // The queue is away for a moment (Redis reconnecting): a client may try again shortly.
  if (trpcError.code === 'SERVICE_UNAVAILABLE') res.setHeader('Retry-After', String(QUEUE_RETRY_AFTER_SECONDS));
  const { message, data } = describeError(trpcError, scope.requestId);
  // A spent budget says when it is whole again (the per-minute one has set its RateLimit fields too).
  if (data.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(data.retryAfterSeconds));
  sendJson(res, data.httpStatus, { error: { message, ...data } });
}

/**
 * Ends the body with UploadIdleTimeoutError once the client has sent nothing for `idleMs`. Time
 * spent paused because the reader is busy (the store, the database) is the server's, not idle.
 */
function watchIdle(req: IncomingMessage, body: PassThrough, idleMs: number): void {
  const timer = setTimeout(function expire() {
    if (req.isPaused()) timer.refresh();
    else body.destroy(new UploadIdleTimeoutError(idleMs));
  }, idleMs);
  timer.unref();
  const refresh = () => { timer.refresh(); };
  req.on('data', refresh);
  body.once('close', () => {
    clearTimeout(timer);
    req.off('data', refresh);
  });
  req.once('end', () => { clearTimeout(timer); });
}

/**
 * The request body as a stream of its own: a refusal part-way (too large) stops reading without
 * destroying the request, so the 413 can still be sent; a client that goes away (before this was
 * called, too) or falls silent fails the stream with UploadInterruptedError.
 */
function bodyOf(req: IncomingMessage, idleMs: number): PassThrough {
  const body = new PassThrough({ highWaterMark: 64 * 1024 });
  // Whoever reads the body learns of its failure from the stream (pipeline checks `errored`); this
  // only keeps a failure before they start reading from being an uncaught 'error'.
  body.on('error', () => undefined);
  if (req.destroyed) {
    body.destroy(new UploadInterruptedError());
    return body;
  }
  // An error on the request is its connection breaking ("aborted", ECONNRESET): the client's doing.
  req.on('error', () => body.destroy(new UploadInterruptedError()));
  req.once('close', () => { if (!req.complete) body.destroy(new UploadInterruptedError()); });
  req.pipe(body);
  watchIdle(req, body, idleMs);
  // Refused part-way, the rest of the body waits until the refusal is answered, and is then read
  // within the host's lingering bounds. (The pipe, letting go of a failed body, resumes the
  // request while any 'data' listener is left: the whole body, however large, would be read
  // before the answer, and a client that had sent it all and closed its side would hear none.)
  body.once('close', () => { if (!req.complete) req.pause(); });
  return body;
}

/** What a failure of the multipart parser means to the client: its own errors kept, the parser's worded. */
function asUploadError(error: unknown): Error {
  if (error instanceof UploadInterruptedError || error instanceof FileTooLargeError || error instanceof InvalidRequestError) return error;
  return new InvalidRequestError(`The multipart body is malformed: ${error instanceof Error ? error.message : 'unreadable'}.`);
}

/** The `file` part of a multipart/form-data body, as soon as its bytes begin. */
function multipartFile(req: IncomingMessage, body: Readable, maxBytes: number): Promise<{ stream: Readable; filename: string }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // One byte over the limit reaches the store's counter, which refuses it; busboy's own cut-off is the backstop.
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes + 1, fields: 20, fieldSize: 4096, parts: 30 } });
    } catch {
      body.destroy();
      reject(new InvalidRequestError('The multipart body has no boundary. Send the file as multipart/form-data or as the raw body.'));
      return;
    }
    let found = false;
    parser.on('file', (field, stream, info) => {
      if (field !== 'file' || found) {
        // Skipped, but still destroyed along with the parser if the body fails while it is read.
        stream.on('error', () => undefined);
        stream.resume();
        return;
      }
      found = true;
      // The part the service reads: it fails with an error the client can act on, from the first byte on.
      const file = new PassThrough();
      file.on('error', () => undefined);
      stream.on('error', (error) => file.destroy(asUploadError(error)));
      stream.once('limit', () => file.destroy(new FileTooLargeError(maxBytes)));
      // A part that failed (too large, refused by the store) ends the form: busboy would otherwise
      // skip through the rest of a huge file part at full speed, before the refusal is answered.
      file.once('close', () => { if (!file.readableEnded) body.destroy(); });
      stream.pipe(file);
      resolve({ stream: file, filename: info.filename ?? '' });
    });
    parser.once('close', () => {
      if (!found) reject(new InvalidRequestError('The form has no file. Send it in a multipart field named "file".'));
    });
    // Either side failing fails the other: a body gone mid-form destroys the parser and its file part.
    pipeline(body, parser).catch((error: unknown) => { reject(asUploadError(error)); });
  });
}

/** The disposition with the name twice: plain ASCII for old clients, UTF-8 (RFC 6266/8187) for the rest. */
export function contentDisposition(name: string, type: 'attachment' | 'inline' = 'attachment'): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** One satisfiable `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else serves the whole file. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || size === 0) return undefined;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return undefined;
  const start = from === '' ? Math.max(0, size - Number(to)) : Number(from);
  const end = from === '' || to === '' ? size - 1 : Math.min(Number(to), size - 1);
  return start <= end && start < size ? { start, end } : undefined;
}

/**
 * `POST /api/files?sessionId=…&name=…` (the raw body, or multipart/form-data with a `file` field)
 * and `GET /api/files/<fileId>` (`?inline=1`: a raster image for display, e.g. a thumbnail). Thin:
 * they read the request, authorize the credential for the session, and hand the streams to FilesService.
 */
export function createFilesRoutes(opts: FilesRoutesOptions): { upload: RouteHandler; download: RouteHandler } {
  const { sessions, files, log } = opts;

  const upload: RouteHandler = async (req, res, scope) => {
    try {
      const actor = actorOf(req, scope);
      await spendOrRefuse(clientBudget(opts.rateLimits, 'files.upload', actor), res, opts);
      const query = uploadQuerySchema.parse({
        sessionId: scope.url.searchParams.get('sessionId') ?? undefined,
        name: scope.url.searchParams.get('name') ?? undefined,
      });
      const multipart = /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '');
      const declaredSize = declaredLength(req);
      await sessions.authorize(query.sessionId, opts.readCredential(req).credential, actor);
      // A form's length includes its boundaries and other fields; the file part itself is counted as it streams.
      await files.refuseIfTooLarge(query.sessionId, multipart && declaredSize !== undefined ? declaredSize - MULTIPART_OVERHEAD_BYTES : declaredSize, actor);
      // Gone while it was being checked: nothing to read, so no upload begins.
      if (req.destroyed) throw new UploadInterruptedError();

      let result;
      if (multipart) {
        const part = await multipartFile(req, bodyOf(req, opts.uploadIdleTimeoutMs), files.maxUploadBytes);
        result = await files.upload({ sessionId: query.sessionId, name: query.name ?? part.filename, sizeAtMost: declaredSize, body: part.stream }, actor);
      } else {
        if (query.name === undefined || query.name.trim() === '') {
          throw new InvalidRequestError('Name the file: add ?name=<file name> to the URL, or send it as multipart/form-data.');
        }
        result = await files.upload({ sessionId: query.sessionId, name: query.name, declaredSize, body: bodyOf(req, opts.uploadIdleTimeoutMs) }, actor);
      }
      res.setHeader('Location', `${FILES_PATH}/${result.fileId}`);
      sendJson(res, 201, result);
    } catch (error) {
      sendFailure(req, res, scope, log, error);
    }
  };

  const download: RouteHandler = async (req, res, scope) => {
    try {
      const fileId = fileIdSchema.safeParse(scope.url.pathname.slice(FILES_PATH.length + 1));
      if (!fileId.success) throw new InvalidRequestError('The file id in the URL must be a UUID, as in /api/files/<fileId>.');
      const actor = actorOf(req, scope);
      const file = await files.describe(fileId.data);
      await sessions.authorize(file.sessionId, opts.readCredential(req).credential, actor);
      const range = parseRange(req.headers.range, file.size);
      const download = await files.openDownload(file.sessionId, file.fileId, range);

      res.statusCode = range ? 206 : 200;
      res.setHeader('Content-Type', download.file.contentType);
      res.setHeader('Content-Length', download.size);
      // Shown in the page only when asked and only for the raster images the bytes proved to be; anything
      // else (SVG, HTML-as-text, …) is always a download, and nosniff keeps the browser to the stated type.
      const inline = scope.url.searchParams.get('inline') === '1' && INLINE_IMAGE_TYPES.has(download.file.contentType);
      res.setHeader('Content-Disposition', contentDisposition(download.file.name, inline ? 'inline' : 'attachment'));
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // Opened on its own, the file is a document of no origin that may run nothing.
      res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
      res.setHeader('Accept-Ranges', 'bytes');
      if (download.file.sha256) res.setHeader('ETag', `"${download.file.sha256}"`);
      if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${download.file.size}`);
      if (req.method === 'HEAD') {
        download.body.destroy();
        res.end();
        return;
      }
      await pipeline(download.body, res);
    } catch (error) {
      sendFailure(req, res, scope, log, error);
    }
  };

  return { upload, download };
}
