import { useCallback, useEffect, useMemo, useState } from 'react';
import { createAdminClient } from './admin-client.js';
import { AdminDashboard } from './AdminDashboard.js';
import { AdminErrorBoundary } from './AdminErrorBoundary.js';
import { forgetAdminToken, readAdminToken, storeAdminToken } from './admin-token.js';
import { TokenForm } from './TokenForm.js';
import './admin.css';

/** The admin page at /admin: the token first, then the dashboard, until the token is refused or dropped. */
export default function AdminApp() {
  const [token, setToken] = useState<string | null>(readAdminToken);
  const [notice, setNotice] = useState<string | null>(null);
  const api = useMemo(() => (token ? createAdminClient(token) : null), [token]);
  useEffect(() => () => { void api?.close(); }, [api]);

  const signIn = useCallback((entered: string) => {
    storeAdminToken(entered);
    setNotice(null);
    setToken(entered);
  }, []);
  const signOut = useCallback(() => {
    forgetAdminToken();
    setToken(null);
  }, []);
  const signOutRefused = useCallback((message: string) => {
    forgetAdminToken();
    setNotice(message);
    setToken(null);
  }, []);

  return (
    <AdminErrorBoundary>
      {api ? <AdminDashboard client={api.client} onRefused={signOutRefused} onSignOut={signOut} /> : <TokenForm notice={notice} onSubmit={signIn} />}
    </AdminErrorBoundary>
  );
}
