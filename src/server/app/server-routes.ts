import type { ApiDeps } from '../api/context.js';
import type { HttpContextFactory } from '../http/api-context.js';
import { createCredentialReader } from '../http/credential-cookie.js';
import { createFilesRoutes, FILES_PATH } from '../http/files-routes.js';
import { healthRoutes, type ReadinessCheck } from '../http/health.js';
import type { Route } from '../http/host.js';
import { TRPC_PATH } from '../http/paths.js';
import type { SecureRequestTest } from '../http/request-security.js';
import { createRestAlias } from '../http/rest-aliases.js';
import { createTrpcRoute } from '../http/trpc-route.js';

export interface ServerRoutesOptions {
  api: ApiDeps;
  /** A procedure's context from an HTTP request: tRPC's and its REST aliases'. */
  makeContext: HttpContextFactory;
  /** Decides which credential cookie a download reads. */
  isSecure: SecureRequestTest;
  /** An upload that sends nothing for this long is cut off (UPLOAD_IDLE_TIMEOUT). */
  uploadIdleTimeoutMs: number;
  /** What /readyz asks. */
  readiness: Record<string, ReadinessCheck>;
  /** The admin's routes, each behind the token. */
  admin: Route[];
}

/** The web server's routes, in the order they are matched; the host hands the rest to the built client. */
export function serverRoutes(opts: ServerRoutesOptions): Route[] {
  const { api, makeContext } = opts;
  const trpcRoute = createTrpcRoute(makeContext, api.log);
  const generateAlias = createRestAlias('generate', makeContext);
  const validateAlias = createRestAlias('validate', makeContext);
  const fileRoutes = createFilesRoutes({
    sessions: api.sessions,
    files: api.files,
    log: api.log,
    audit: api.audit,
    rateLimits: api.rateLimits,
    refusalGate: api.refusalGate,
    uploadIdleTimeoutMs: opts.uploadIdleTimeoutMs,
    readCredential: createCredentialReader(opts.isSecure),
  });
  return [
    ...healthRoutes(opts.readiness),
    { method: 'GET', path: `${TRPC_PATH}/`, handle: trpcRoute },
    { method: 'POST', path: `${TRPC_PATH}/`, handle: trpcRoute },
    { method: 'POST', path: '/api/session/generate-uuid', handle: (req, res, scope) => generateAlias(req, res, scope.requestId) },
    { method: 'POST', path: '/api/session/validate-uuid', handle: (req, res, scope) => validateAlias(req, res, scope.requestId) },
    { method: 'POST', path: FILES_PATH, handle: fileRoutes.upload },
    { method: 'GET', path: `${FILES_PATH}/`, handle: fileRoutes.download },
    ...opts.admin,
  ];
}
