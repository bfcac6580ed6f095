import type { ChatSendInput, MessageView } from '../../../../shared/chat.js';
import type { ApiContext } from '../../context.js';

export function sendHandler({ ctx, input }: { ctx: ApiContext; input: ChatSendInput }): Promise<MessageView> {
  return ctx.deps.chat.send(input.sessionId, input.text, input.fileIds);
}
