import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiContext, ApiDeps, ResponseControl } from '../api/context.js';
import { ADMIN_TOKEN_PARAM } from '../../shared/admin.js';
import { adminCredentialFrom } from './admin-credential.js';
import type { ClientIpResolver } from './client-ip.js';
import { clearedCredentialCookie, createCredentialReader, credentialCookie } from './credential-cookie.js';
import type { RequestIdReader } from './request-id.js';
import type { SecureRequestTest } from './request-security.js';

export interface ContextFactoryOptions {
  deps: ApiDeps;
  /** Live subscriptions one WebSocket may hold. */
  maxSubscriptionsPerSocket: number;
  clientIp: ClientIpResolver;
  requestId: RequestIdReader;
  /** Decides the cookie's Secure flag (and `__Host-` name) from how the request arrived. */
  isSecure: SecureRequestTest;
  /** The cookie lives as long as a session can: its absolute lifetime. */
  credentialMaxAgeSeconds: number;
}

export type HttpContextFactory = (req: IncomingMessage, res: ServerResponse, requestId: string) => ApiContext;
export type WsContextFactory = (req: IncomingMessage) => ApiContext;

function actorOf(req: IncomingMessage, clientIp: ClientIpResolver, requestId: string): ApiContext['actor'] {
  return { ip: clientIp(req), userAgent: req.headers['user-agent'] ?? null, requestId };
}

export function createHttpContextFactory(opts: ContextFactoryOptions): HttpContextFactory {
  const readCredential = createCredentialReader(opts.isSecure);
  return (req, res, requestId) => {
    const secure = opts.isSecure(req);
    const { credential, planted } = readCredential(req);
    // A plain cookie planted beside the `__Host-` one is never read; expiring it keeps it from
    // following the browser around (one set with a Domain attribute only its setter can expire).
    if (planted) res.appendHeader('Set-Cookie', clearedCredentialCookie(false));
    const response: ResponseControl = {
      setCredential: (credential) => { res.appendHeader('Set-Cookie', credentialCookie(credential, opts.credentialMaxAgeSeconds, secure)); },
      clearCredential: () => { res.appendHeader('Set-Cookie', clearedCredentialCookie(secure)); },
      setHeader: (name, value) => { res.setHeader(name, value); },
    };
    return {
      deps: opts.deps,
      actor: actorOf(req, opts.clientIp, requestId),
      credential,
      adminCredential: adminCredentialFrom(req.headers.authorization),
      transport: 'http',
      response,
    };
  };
}

const NO_RESPONSE: ResponseControl = { setCredential: () => undefined, clearCredential: () => undefined, setHeader: () => undefined };

/**
 * A socket's context is made once, from its upgrade request, and lives as long as the socket; each
 * subscription still checks the credential.
 */
export function createWsContextFactory(opts: ContextFactoryOptions): WsContextFactory {
  const readCredential = createCredentialReader(opts.isSecure);
  return (req) => ({
    deps: opts.deps,
    actor: actorOf(req, opts.clientIp, flatCopy(opts.requestId(req))),
    credential: flatCopyOf(readCredential(req).credential),
    adminCredential: adminCredentialFrom(req.headers.authorization),
    transport: 'ws',
    response: NO_RESPONSE,
    subscriptions: { active: 0, max: opts.maxSubscriptionsPerSocket },
  });
}

/**
 * A socket's context with the admin token of its tRPC connection parameters, when the client sent
 * one (the admin page does; other clients send none and keep their context as it is). Never throws:
 * tRPC has already checked that every parameter is a string.
 */
export function withConnectionParams(ctx: ApiContext, params: Partial<Record<string, string>> | null): ApiContext {
  const token = params?.[ADMIN_TOKEN_PARAM];
  return token ? { ...ctx, adminCredential: token } : ctx;
}

/**
 * A socket holds its strings for hours, so it keeps contiguous copies of them. A fresh id is built
 * by concatenation (`randomUUID` joins its pieces), and V8 keeps such a string as a tree of those
 * pieces: ~480 bytes for a UUID against ~60 flat. The credential is cut out of the Cookie header,
 * and V8 keeps such a slice as a view that holds the whole header (kilobytes, with a site's other
 * cookies) alive.
 */
function flatCopy(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

const flatCopyOf = (text: string | undefined) => (text === undefined ? undefined : flatCopy(text));
