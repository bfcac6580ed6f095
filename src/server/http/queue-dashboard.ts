import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import type { IServerAdapter } from '@bull-board/api/typings/app';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import type { RouteHandler } from './host.js';

/**
 * The BullMQ dashboard (bull-board) at `basePath`. An express app is itself a `(req, res)` handler,
 * so the host hands it the requests under that path once the admin gate has let them through.
 */
export function createQueueDashboard(queues: readonly Queue[], basePath: string): RouteHandler {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  // @bull-board/express pins an older patch of @bull-board/api than ours: the same interface,
  // declared twice, which TypeScript will not unify (private members).
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: serverAdapter as unknown as IServerAdapter });
  const app = express();
  app.disable('x-powered-by');
  // bull-board's router type is `any`: it is an express app of its own, mounted where its base path
  // says, which would announce itself in X-Powered-By on every answer.
  const dashboard = serverAdapter.getRouter() as express.Express;
  dashboard.disable('x-powered-by');
  app.use(basePath, dashboard);
  return (req: IncomingMessage, res: ServerResponse) => {
    app(req, res);
  };
}
