import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AppProviders } from './session/index.js';
import { App } from './App.js';
import { AppErrorBoundary } from './components/AppErrorBoundary.js';
import './styles/tokens.css';
import './styles/base.css';
import './styles/layout.css';
import './styles/session.css';
import './styles/chat.css';
import './styles/files.css';
import './styles/dev-controls.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html must contain <div id="root">.');

createRoot(container).render(
  <StrictMode>
    <AppProviders>
      <AppErrorBoundary>
        <App />
      </AppErrorBoundary>
    </AppProviders>
  </StrictMode>,
);
