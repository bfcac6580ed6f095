import { loadConfig } from '../src/server/config/env.js';
import { runProcess } from '../src/server/process-lifecycle.js';
import { createWorkerApp } from './worker-app.js';

/** `npm run worker`: the background workers alone, as many processes as needed, on the server's Redis. */
runProcess('tabsync worker', () => createWorkerApp(loadConfig()));
