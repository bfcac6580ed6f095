import type { ApiDeps } from '../api/context.js';
import type { Config } from '../config/env.js';
import { createHttpContextFactory, createWsContextFactory, type HttpContextFactory, type WsContextFactory } from '../http/api-context.js';
import type { RequestPolicies } from '../http/request-policies.js';

/** How a procedure's context is made from an HTTP request and from a WebSocket's upgrade. */
export interface ApiContexts {
  http: HttpContextFactory;
  ws: WsContextFactory;
}

export function createApiContexts(config: Config, api: ApiDeps, requests: RequestPolicies): ApiContexts {
  const options = {
    deps: api,
    clientIp: requests.clientIp,
    requestId: requests.requestId,
    isSecure: requests.isSecure,
    credentialMaxAgeSeconds: Math.floor(config.sessionMaxAgeMs / 1000),
    maxSubscriptionsPerSocket: config.wsMaxSubscriptions,
  };
  return { http: createHttpContextFactory(options), ws: createWsContextFactory(options) };
}
