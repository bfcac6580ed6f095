import { chatListInputSchema, chatPageSchema, chatSendInputSchema, messageViewSchema } from '../../../../shared/chat.js';
import { ownedSessionProcedure, router } from '../../trpc.js';
import { listHandler } from './list.handler.js';
import { sendHandler } from './send.handler.js';

export const chatRouter = router({
  send: ownedSessionProcedure.input(chatSendInputSchema).output(messageViewSchema).mutation(sendHandler),
  list: ownedSessionProcedure.input(chatListInputSchema).output(chatPageSchema).query(listHandler),
});
