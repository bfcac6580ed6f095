import { randomUUID } from 'node:crypto';
import { initTRPC, TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { chatListInputSchema, chatSendInputSchema, type ChatPage, type ChatSendInput, type MessageView } from '../../src/shared/chat.js';
import type { ApiErrorData } from '../../src/shared/errors.js';
import { filesListInputSchema, filesRemoveInputSchema, type FileView } from '../../src/shared/files.js';
import { TRPC_PATH } from '../../src/shared/paths.js';
import { sessionInputSchema, type InvalidReason, type SessionView, type ValidateResult } from '../../src/shared/session.js';

/** A refusal as the real server words it: its code, and the fields it adds to `error.data`. */
export interface Refusal {
  code: TRPCError['code'];
  message: string;
  reason?: string;
  retryAfterSeconds?: number;
}

class RefusalCause extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

type Procedure = 'session.generate' | 'session.validate' | 'session.reset' | 'session.current' | 'chat.list' | 'chat.send' | 'files.list' | 'files.remove';

const t = initTRPC.create({
  errorFormatter({ shape, error }) {
    const refusal = error.cause instanceof RefusalCause ? error.cause.refusal : undefined;
    const data: ApiErrorData = { code: error.code, httpStatus: getHTTPStatusCodeFromError(error), reason: refusal?.reason, retryAfterSeconds: refusal?.retryAfterSeconds };
    return { code: shape.code, message: shape.message, data };
  },
});

function view(sessionId: string, version = 1): SessionView {
  const now = new Date().toISOString();
  return { sessionId, status: 'active', createdAt: now, lastSeenAt: now, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), version };
}

/**
 * A stand-in for the Tabsync API behind the browser's fetch: a real tRPC server (same wire format,
 * same error shape) holding sessions, messages and files in memory. It counts calls and can be
 * told to refuse the next calls of a procedure, as the real one does under load or misuse.
 */
export class FakeApiServer {
  readonly sessions = new Map<string, SessionView>();
  readonly ended = new Map<string, InvalidReason>();
  readonly messages = new Map<string, MessageView[]>();
  readonly files = new Map<string, FileView[]>();
  /** The session this browser's cookie names (what `session.current` answers). */
  cookieSession: string | null = null;
  /** While true, no request gets an answer (the server is down, or the network): fetch fails as a browser's does. */
  unreachable = false;
  /** The procedures of the requests that got no answer while `unreachable`, in order. */
  readonly unanswered: string[] = [];
  /** Every chat.send that reached the server, as it arrived (also those it refused). */
  readonly sendInputs: ChatSendInput[] = [];
  private readonly calls = new Map<Procedure, number>();
  private readonly refusals = new Map<Procedure, (Refusal | 'network')[]>();
  private readonly holds = new Map<Procedure, Promise<undefined>>();

  callsOf(procedure: Procedure): number {
    return this.calls.get(procedure) ?? 0;
  }

  /** The next `count` calls of `procedure` fail: refused as described, or with no answer at all. */
  failNext(procedure: Procedure, failure: Refusal | 'network', count = 1): void {
    this.refusals.set(procedure, [...(this.refusals.get(procedure) ?? []), ...Array<Refusal | 'network'>(count).fill(failure)]);
  }

  /** The next request that calls `procedure` waits, unanswered, until the returned function is called. */
  hold(procedure: Procedure): () => void {
    const gate: { release?: () => void } = {};
    this.holds.set(procedure, new Promise<undefined>((resolve) => { gate.release = () => { resolve(undefined); }; }));
    return () => { gate.release?.(); };
  }

  addSession(sessionId: string = randomUUID()): SessionView {
    const session = view(sessionId);
    this.sessions.set(sessionId, session);
    this.cookieSession = sessionId;
    return session;
  }

  addMessage(sessionId: string, text: string, fileIds: string[] = [], clientMessageId?: string): MessageView {
    const earlier = clientMessageId ? this.messages.get(sessionId)?.find((m) => m.clientMessageId === clientMessageId) : undefined;
    if (earlier) return earlier;
    const message: MessageView = { messageId: randomUUID(), sessionId, text, fileIds, createdAt: new Date().toISOString(), ...(clientMessageId ? { clientMessageId } : {}) };
    this.messages.set(sessionId, [...(this.messages.get(sessionId) ?? []), message]);
    return message;
  }

  addFile(sessionId: string, name: string, status: FileView['status'] = 'stored', more: Partial<FileView> = {}): FileView {
    const file: FileView = {
      fileId: randomUUID(),
      sessionId,
      name,
      contentType: 'text/plain',
      size: 3,
      sha256: null,
      status,
      createdAt: new Date().toISOString(),
      failure: status === 'failed' ? { code: 'unknown', reason: 'It was refused when it was checked.' } : null,
      renamed: null,
      ...more,
    };
    this.files.set(sessionId, [...(this.files.get(sessionId) ?? []), file]);
    return file;
  }

  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input instanceof Request ? input.url : String(input), init);
    const paths = new URL(request.url).pathname.slice(TRPC_PATH.length + 1).split(',');
    const network = paths.find((path) => this.refusals.get(path as Procedure)?.[0] === 'network');
    if (this.unreachable) {
      this.unanswered.push(...paths);
      throw new TypeError('Failed to fetch');
    }
    if (network) {
      this.refusals.get(network as Procedure)?.shift();
      throw new TypeError('Failed to fetch');
    }
    for (const path of paths) {
      const held = this.holds.get(path as Procedure);
      this.holds.delete(path as Procedure);
      await held;
    }
    return fetchRequestHandler({ endpoint: TRPC_PATH, req: request, router: this.router });
  };

  private count(procedure: Procedure): void {
    this.calls.set(procedure, this.callsOf(procedure) + 1);
    const refusal = this.refusals.get(procedure)?.shift();
    if (refusal && refusal !== 'network') throw new TRPCError({ code: refusal.code, message: refusal.message, cause: new RefusalCause(refusal) });
  }

  private owned(sessionId: string): SessionView {
    const session = this.sessions.get(sessionId);
    if (!session) throw new TRPCError({ code: 'FORBIDDEN', message: 'This session belongs to another browser.', cause: new RefusalCause({ code: 'FORBIDDEN', message: '', reason: this.ended.get(sessionId) ?? 'not_found' }) });
    return session;
  }

  private readonly router = t.router({
    session: t.router({
      generate: t.procedure.mutation(() => {
        this.count('session.generate');
        return this.addSession();
      }),
      validate: t.procedure.input(sessionInputSchema).mutation(({ input }): ValidateResult => {
        this.count('session.validate');
        const session = this.sessions.get(input.sessionId);
        return session ? { valid: true, session } : { valid: false, reason: this.ended.get(input.sessionId) ?? 'not_found' };
      }),
      reset: t.procedure.input(sessionInputSchema).mutation(({ input }) => {
        this.count('session.reset');
        this.owned(input.sessionId);
        this.sessions.delete(input.sessionId);
        this.ended.set(input.sessionId, 'reset');
        return this.addSession();
      }),
      current: t.procedure.query(() => {
        this.count('session.current');
        return this.cookieSession ? (this.sessions.get(this.cookieSession) ?? null) : null;
      }),
    }),
    chat: t.router({
      list: t.procedure.input(chatListInputSchema).query(({ input }): ChatPage => {
        this.count('chat.list');
        this.owned(input.sessionId);
        return { messages: this.messages.get(input.sessionId) ?? [], nextCursor: null };
      }),
      send: t.procedure.input(chatSendInputSchema).mutation(({ input }) => {
        this.sendInputs.push(input);
        this.count('chat.send');
        this.owned(input.sessionId);
        return this.addMessage(input.sessionId, input.text, input.fileIds, input.clientMessageId);
      }),
    }),
    files: t.router({
      list: t.procedure.input(filesListInputSchema).query(({ input }) => {
        this.count('files.list');
        this.owned(input.sessionId);
        return this.files.get(input.sessionId) ?? [];
      }),
      remove: t.procedure.input(filesRemoveInputSchema).mutation(({ input }) => {
        this.count('files.remove');
        this.owned(input.sessionId);
        const files = this.files.get(input.sessionId) ?? [];
        if (!files.some((file) => file.fileId === input.fileId)) throw new TRPCError({ code: 'NOT_FOUND', message: 'This session has no file with this id. It may have been removed.' });
        this.files.set(input.sessionId, files.filter((file) => file.fileId !== input.fileId));
        return { ok: true as const };
      }),
    }),
  });
}
