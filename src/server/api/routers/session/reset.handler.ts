import type { SessionInput, SessionView } from '../../../../shared/session.js';
import type { ApiContext } from '../../context.js';

export async function resetHandler({ ctx, input }: { ctx: ApiContext; input: SessionInput }): Promise<SessionView> {
  const issued = await ctx.deps.sessions.reset(input.sessionId, ctx.credential, ctx.actor);
  ctx.response.setCredential(issued.credential);
  return issued.session;
}
