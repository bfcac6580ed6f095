import type { ChatListInput, ChatPage } from '../../../../shared/chat.js';
import type { ApiContext } from '../../context.js';

export function listHandler({ ctx, input }: { ctx: ApiContext; input: ChatListInput }): Promise<ChatPage> {
  return ctx.deps.chat.list(input.sessionId, input.cursor);
}
