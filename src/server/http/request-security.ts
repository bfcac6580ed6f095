import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { TrustProxy } from '../config/env.js';

/** Whether a request reached us over TLS. */
export type SecureRequestTest = (req: IncomingMessage) => boolean;

/**
 * How the request really arrived: TLS on our own socket, or `X-Forwarded-Proto: https` from a
 * proxy that TRUST_PROXY names (the peer on the socket must be one). Never the Host header, which
 * the client (or a proxy's default `proxy_pass`) chooses. As Express does, the first value of a
 * list is the one the outermost proxy saw.
 */
export function createSecureRequestTest(trust: TrustProxy): SecureRequestTest {
  const peerIsTrustedProxy: (address: string) => boolean =
    trust.kind === 'none'
      ? () => false
      : trust.kind === 'hops'
        ? () => trust.hops > 0
        : (() => {
            const trusted = proxyaddr.compile(trust.addresses);
            return (address: string) => trusted(address, 0);
          })();

  return (req) => {
    if ('encrypted' in req.socket && req.socket.encrypted === true) return true;
    const address = req.socket.remoteAddress;
    if (address === undefined || !peerIsTrustedProxy(address)) return false;
    const header = req.headers['x-forwarded-proto'];
    const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim().toLowerCase();
    return first === 'https';
  };
}
