import type { SessionView } from '../../../../shared/session.js';
import type { ApiContext } from '../../context.js';

export async function currentHandler({ ctx }: { ctx: ApiContext }): Promise<SessionView | null> {
  const { session, clearCredential } = await ctx.deps.sessions.current(ctx.credential);
  if (clearCredential) ctx.response.clearCredential();
  return session;
}
