import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { AppProviders } from './session/index.js';
import { App } from './App.js';
import { AppErrorBoundary } from './components/AppErrorBoundary.js';
import { ADMIN_PATHS } from '../shared/paths.js';
import './styles/tokens.css';
import './styles/base.css';
import './styles/layout.css';
import './styles/session.css';
import './styles/chat.css';
import './styles/files.css';
import './styles/dev-controls.css';

/** The admin page (/admin) is an app of its own, loaded only there: visitors never download it. */
const AdminApp = lazy(() => import('./admin/AdminApp.js'));
const isAdminPage = location.pathname === ADMIN_PATHS.page || location.pathname.startsWith(`${ADMIN_PATHS.page}/`);

const container = document.getElementById('root');
if (!container) throw new Error('index.html must contain <div id="root">.');

createRoot(container).render(
  <StrictMode>
    {isAdminPage ? (
      <Suspense fallback={null}>
        <AdminApp />
      </Suspense>
    ) : (
      <AppProviders>
        <AppErrorBoundary>
          <App />
        </AppErrorBoundary>
      </AppProviders>
    )}
  </StrictMode>,
);
