import { createCallerFactory, router } from './trpc.js';
import { chatRouter } from './routers/chat/chat.router.js';
import { filesRouter } from './routers/files/files.router.js';
import { sessionRouter } from './routers/session/session.router.js';
import { adminRouter } from './routers/admin/admin.router.js';

export const appRouter = router({
  session: sessionRouter,
  chat: chatRouter,
  files: filesRouter,
  admin: adminRouter,
});

/** The API's type: the client imports this type (never the code) to be typed end to end. */
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
