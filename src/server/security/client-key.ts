import ipaddr from 'ipaddr.js';

/**
 * Whose budget a request spends: an IPv4 address, or an IPv6 client's /64 — one subscriber usually
 * holds a whole /64, and counting single addresses would let it rotate to a fresh budget at will.
 */
export function clientKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}
