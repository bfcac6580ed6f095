import { useState } from 'react';

interface TokenFormProps {
  /** Why the token is asked again, if it was refused. */
  notice: string | null;
  onSubmit: (token: string) => void;
}

/** Asks for the admin token once per tab; the server decides whether it is right. */
export function TokenForm({ notice, onSubmit }: TokenFormProps) {
  const [token, setToken] = useState('');
  const submit = () => {
    const trimmed = token.trim();
    if (trimmed) onSubmit(trimmed);
  };
  return (
    <main className="admin-signin">
      <form className="admin-card admin-signin-card" onSubmit={(event) => { event.preventDefault(); submit(); }}>
        <h1>Tabsync admin</h1>
        <p className="admin-muted">Enter the admin token (ADMIN_TOKEN). It is kept in this tab only, until the tab closes.</p>
        {notice && <p className="admin-error" role="alert" data-testid="admin-error">{notice}</p>}
        <label className="admin-field">
          <span>Admin token</span>
          <input
            type="password"
            autoComplete="current-password"
            value={token}
            onChange={(event) => { setToken(event.target.value); }}
            data-testid="admin-token-input"
            autoFocus
          />
        </label>
        <button type="submit" className="admin-button" disabled={!token.trim()} data-testid="admin-token-submit">
          Open the admin page
        </button>
      </form>
    </main>
  );
}
