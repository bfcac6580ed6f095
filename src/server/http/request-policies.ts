import type { Config } from '../config/env.js';
import { createClientIpResolver, type ClientIpResolver } from './client-ip.js';
import { OriginPolicy } from './origin-policy.js';
import { createRequestIdReader, type RequestIdReader } from './request-id.js';
import { createSecureRequestTest, type SecureRequestTest } from './request-security.js';

/** How a process reads its requests, the same in the web server and the workers' host. */
export interface RequestPolicies {
  /** The client's address, from X-Forwarded-For only through the proxies TRUST_PROXY names. */
  clientIp: ClientIpResolver;
  /** The request's id: a trusted proxy's X-Request-Id, else a new one. */
  requestId: RequestIdReader;
  /** Whether the request arrived over HTTPS (the cookie's Secure flag). */
  isSecure: SecureRequestTest;
  /** Which origins may call with credentials (CORS_ORIGINS, else the app's own). */
  originPolicy: OriginPolicy;
}

export function createRequestPolicies(config: Pick<Config, 'trustProxy' | 'corsOrigins'>): RequestPolicies {
  const isSecure = createSecureRequestTest(config.trustProxy);
  return {
    clientIp: createClientIpResolver(config.trustProxy),
    requestId: createRequestIdReader(config.trustProxy.kind !== 'none'),
    isSecure,
    originPolicy: new OriginPolicy(config.corsOrigins, isSecure),
  };
}
