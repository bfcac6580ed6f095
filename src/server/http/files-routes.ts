import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { getTRPCErrorFromUnknown, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { API_ERROR_STATUS } from '../../shared/errors.js';
import { fileIdSchema, type UploadResult } from '../../shared/files.js';
import { FILES_PATH } from '../../shared/paths.js';
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
import { InsufficientStorageError, UploadIdleTimeoutError, UploadInterruptedError } from '../services/files/files.errors.js';
import type { FilesService } from '../services/files/files.service.js';
import type { SessionService } from '../services/session/session.service.js';
import type { CredentialReader } from './credential-cookie.js';
import { describeDownload, parseRange } from './download-headers.js';
import type { RequestScope, RouteHandler } from './host.js';
import { sendError, sendJson } from './json-response.js';
import { multipartFile, uploadBody } from './upload-body.js';

export { FILES_PATH };

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

/** What an upload's URL names: its session, and the file's name unless a form's part gives it. */
const uploadQuerySchema = z.object({
  sessionId: sessionIdSchema,
  name: z.string().max(MAX_RAW_NAME, { error: `must be at most ${MAX_RAW_NAME} characters long` }).optional(),
});
type UploadQuery = z.infer<typeof uploadQuerySchema>;

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

/** A file route before its failures are answered. */
type FileRoute = (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => Promise<void>;

/** The route, with every failure answered by sendFailure. */
function answering(log: Logger, route: FileRoute): RouteHandler {
  return async (req, res, scope) => {
    try {
      await route(req, res, scope);
    } catch (error) {
      sendFailure(req, res, scope, log, error);
    }
  };
}

function uploadQueryOf(scope: RequestScope): UploadQuery {
  return uploadQuerySchema.parse({
    sessionId: scope.url.searchParams.get('sessionId') ?? undefined,
    name: scope.url.searchParams.get('name') ?? undefined,
  });
}

/** Hands the body to the files service: a form's `file` part, or the raw body named in the URL. */
async function storeBody(opts: FilesRoutesOptions, req: IncomingMessage, query: UploadQuery, declaredSize: number | undefined, actor: Actor): Promise<UploadResult> {
  const { files, uploadIdleTimeoutMs } = opts;
  if (isMultipart(req)) {
    const part = await multipartFile(req, uploadBody(req, uploadIdleTimeoutMs), files.maxUploadBytes);
    return files.upload({ sessionId: query.sessionId, name: query.name ?? part.filename, sizeAtMost: declaredSize, body: part.stream }, actor);
  }
  if (query.name === undefined || query.name.trim() === '') {
    throw new InvalidRequestError('Name the file: add ?name=<file name> to the URL, or send it as multipart/form-data.');
  }
  return files.upload({ sessionId: query.sessionId, name: query.name, declaredSize, body: uploadBody(req, uploadIdleTimeoutMs) }, actor);
}

function isMultipart(req: IncomingMessage): boolean {
  return /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '');
}

/**
 * `POST /api/files?sessionId=…&name=…`, the raw body or multipart/form-data with a `file` field:
 * spends the client's upload budget, authorizes the credential for the session, refuses what is
 * declared too large before reading it, and streams the rest to the files service.
 */
function uploadRoute(opts: FilesRoutesOptions): FileRoute {
  return async (req, res, scope) => {
    const actor = actorOf(req, scope);
    await spendOrRefuse(clientBudget(opts.rateLimits, 'files.upload', actor), res, opts);
    const query = uploadQueryOf(scope);
    const declaredSize = declaredLength(req);
    await opts.sessions.authorize(query.sessionId, opts.readCredential(req).credential, actor);
    // A form's length includes its boundaries and other fields; the file part itself is counted as it streams.
    await opts.files.refuseIfTooLarge(query.sessionId, isMultipart(req) && declaredSize !== undefined ? declaredSize - MULTIPART_OVERHEAD_BYTES : declaredSize, actor);
    // Gone while it was being checked: nothing to read, so no upload begins.
    if (req.destroyed) throw new UploadInterruptedError();
    const result = await storeBody(opts, req, query, declaredSize, actor);
    res.setHeader('Location', `${FILES_PATH}/${result.fileId}`);
    sendJson(res, 201, result);
  };
}

/** `GET /api/files/<fileId>` (`?inline=1`: a raster image for display, e.g. a thumbnail), ranges and HEAD too. */
function downloadRoute(opts: FilesRoutesOptions): FileRoute {
  return async (req, res, scope) => {
    const fileId = fileIdSchema.safeParse(scope.url.pathname.slice(FILES_PATH.length + 1));
    if (!fileId.success) throw new InvalidRequestError('The file id in the URL must be a UUID, as in /api/files/<fileId>.');
    const file = await opts.files.describe(fileId.data);
    await opts.sessions.authorize(file.sessionId, opts.readCredential(req).credential, actorOf(req, scope));
    const range = parseRange(req.headers.range, file.size);
    const download = await opts.files.openDownload(file.sessionId, file.fileId, range);
    describeDownload(res, download, range, scope.url.searchParams.get('inline') === '1');
    if (req.method === 'HEAD') {
      download.body.destroy();
      res.end();
      return;
    }
    await pipeline(download.body, res);
  };
}

/**
 * The file routes. Thin: they read the request, authorize the credential for the session, and
 * hand the streams to FilesService.
 */
export function createFilesRoutes(opts: FilesRoutesOptions): { upload: RouteHandler; download: RouteHandler } {
  return { upload: answering(opts.log, uploadRoute(opts)), download: answering(opts.log, downloadRoute(opts)) };
}
