import type { SessionView } from '../../../../shared/session.js';
import type { ApiContext } from '../../context.js';

export async function generateHandler({ ctx }: { ctx: ApiContext }): Promise<SessionView> {
  const issued = await ctx.deps.sessions.generate(ctx.actor);
  ctx.response.setCredential(issued.credential);
  return issued.session;
}
