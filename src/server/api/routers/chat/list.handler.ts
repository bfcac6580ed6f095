import type { z } from 'zod';
import type { ChatPage, chatListInputSchema } from '../../../../shared/chat.js';
import type { ApiContext } from '../../context.js';

export function listHandler({ ctx, input }: { ctx: ApiContext; input: z.infer<typeof chatListInputSchema> }): Promise<ChatPage> {
  return ctx.deps.chat.list(input.sessionId, input.cursor);
}
