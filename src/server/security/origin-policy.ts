/**
 * Which browser origins may call the API with the visitor's credential: the app's own origin (the
 * one the request was addressed to) and those listed in CORS_ORIGINS.
 */
export class OriginPolicy {
  private readonly listed: ReadonlySet<string>;

  constructor(corsOrigins: readonly string[]) {
    this.listed = new Set(corsOrigins);
  }

  isAllowed(origin: string, host: string | undefined): boolean {
    if (this.listed.has(origin)) return true;
    if (!host) return false;
    try {
      return new URL(origin).host === host.toLowerCase();
    } catch {
      return false;
    }
  }

  /** A request may change state unless it comes from a browser page of a foreign origin. */
  mayChangeState(origin: string | undefined, host: string | undefined): boolean {
    return origin === undefined || this.isAllowed(origin, host);
  }
}
