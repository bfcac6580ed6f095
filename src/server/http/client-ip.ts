import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { TrustProxy } from '../config/env.js';

export type ClientIpResolver = (req: IncomingMessage) => string;

/**
 * The client's address: the socket's, unless TRUST_PROXY names the proxies in front of us. Only
 * then is X-Forwarded-For read, and only as far back as the trusted hops go, so a forged header
 * from the client itself changes nothing.
 */
export function createClientIpResolver(trust: TrustProxy): ClientIpResolver {
  if (trust.kind === 'none') return (req) => normalise(req.socket.remoteAddress);
  const trusted =
    trust.kind === 'hops' ? (_address: string, hop: number) => hop < trust.hops : proxyaddr.compile(trust.addresses);
  return (req) => normalise(proxyaddr(req, trusted));
}

function normalise(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
