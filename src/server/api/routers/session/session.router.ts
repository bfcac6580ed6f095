import { eventsInputSchema } from '../../../../shared/events.js';
import { sessionInputSchema, sessionViewSchema, type ValidateResult } from '../../../../shared/session.js';
import { httpOnly, publicProcedure, rateLimited, router, validationBudget } from '../../trpc.js';
import { eventsHandler } from './events.handler.js';

export const sessionRouter = router({
  generate: publicProcedure
    .use(httpOnly)
    .use(rateLimited('session.generate'))
    .output(sessionViewSchema)
    .mutation(async ({ ctx }) => {
      const issued = await ctx.deps.sessions.generate(ctx.actor);
      ctx.response.setCredential(issued.credential);
      return issued.session;
    }),
  // The one procedure without an output schema: it is every page load's and every tab's hottest
  // call, and parsing its answer again cost ~10% of a WebSocket validation's CPU. The answer is
  // built by the session service as a ValidateResult (toSessionView), and the API tests hold it
  // to validateResultSchema.
  validate: publicProcedure
    .use(validationBudget)
    .input(sessionInputSchema)
    .mutation(async ({ ctx, input }): Promise<ValidateResult> => {
      // validationBudget read the session for this same input, unless the input did not parse (and then this never runs).
      const validation = ctx.validation ?? (await ctx.deps.sessions.prepareValidation(input.sessionId, ctx.credential));
      const outcome = await validation.answer(ctx.actor);
      if (outcome.clearCredential) ctx.response.clearCredential();
      return outcome.result;
    }),
  reset: publicProcedure
    .use(httpOnly)
    .use(rateLimited('session.reset'))
    .input(sessionInputSchema)
    .output(sessionViewSchema)
    .mutation(async ({ ctx, input }) => {
      const issued = await ctx.deps.sessions.reset(input.sessionId, ctx.credential, ctx.actor);
      ctx.response.setCredential(issued.credential);
      return issued.session;
    }),
  current: publicProcedure.output(sessionViewSchema.nullable()).query(async ({ ctx }) => {
    const { session, clearCredential } = await ctx.deps.sessions.current(ctx.credential);
    if (clearCredential) ctx.response.clearCredential();
    return session;
  }),
  events: publicProcedure.input(eventsInputSchema).subscription(eventsHandler),
});
