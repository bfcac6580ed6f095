/**
 * The admin token from an Authorization header: `Bearer <token>` (Prometheus, curl, the admin page)
 * or `Basic base64(<user>:<token>)` (the user is not checked; a browser's own login prompt, for the queue dashboard).
 */
export function adminCredentialFrom(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const space = authorization.indexOf(' ');
  if (space === -1) return undefined;
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return value || undefined;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1) || undefined;
}
