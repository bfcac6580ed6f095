import { chatSendInputSchema } from '../../../../shared/chat.js';
import type { ApiContext } from '../../context.js';

/**
 * Whether the call resends a message the session already has (same clientMessageId): it costs the
 * session's quota nothing, since it stores nothing. Two resends racing the first one may both
 * count; the unique index still stores the message once.
 */
export async function isResend(ctx: ApiContext, input: unknown): Promise<boolean> {
  const { sessionId, clientMessageId } = chatSendInputSchema.parse(input);
  return clientMessageId !== undefined && (await ctx.deps.chat.findSent(sessionId, clientMessageId)) !== null;
}
