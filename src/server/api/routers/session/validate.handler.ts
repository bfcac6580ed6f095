import type { SessionInput, ValidateResult } from '../../../../shared/session.js';
import type { ApiContext } from '../../context.js';

export async function validateHandler({ ctx, input }: { ctx: ApiContext; input: SessionInput }): Promise<ValidateResult> {
  const outcome = await ctx.deps.sessions.validate(input.sessionId, ctx.credential, ctx.actor);
  if (outcome.clearCredential) ctx.response.clearCredential();
  return outcome.result;
}
