/** The admin token lives in this tab's sessionStorage: asked once, forgotten when the tab closes. */
const KEY = 'tabsync.adminToken';

export function readAdminToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage blocked: the token is asked again on every load
  }
}

export function storeAdminToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // Kept in memory only (AdminApp's state) when storage is blocked.
  }
}

export function forgetAdminToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing was stored.
  }
}
