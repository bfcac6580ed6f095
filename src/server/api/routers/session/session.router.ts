import { eventsInputSchema } from '../../../../shared/events.js';
import { sessionInputSchema, sessionViewSchema, validateResultSchema } from '../../../../shared/session.js';
import { httpOnly, publicProcedure, rateLimited, router, validationBudget } from '../../trpc.js';
import { currentHandler } from './current.handler.js';
import { eventsHandler } from './events.handler.js';
import { generateHandler } from './generate.handler.js';
import { resetHandler } from './reset.handler.js';
import { validateHandler } from './validate.handler.js';

export const sessionRouter = router({
  generate: publicProcedure.use(httpOnly).use(rateLimited('session.generate')).output(sessionViewSchema).mutation(generateHandler),
  validate: publicProcedure.use(validationBudget).input(sessionInputSchema).output(validateResultSchema).mutation(validateHandler),
  reset: publicProcedure.use(httpOnly).use(rateLimited('session.reset')).input(sessionInputSchema).output(sessionViewSchema).mutation(resetHandler),
  current: publicProcedure.output(sessionViewSchema.nullable()).query(currentHandler),
  events: publicProcedure.input(eventsInputSchema).subscription(eventsHandler),
});
