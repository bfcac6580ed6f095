import { chatListInputSchema, chatPageSchema, chatSendInputSchema, messageViewSchema } from '../../../../shared/chat.js';
import { ownedSessionProcedure, rateLimited, router, sessionQuota } from '../../trpc.js';
import { listHandler } from './list.handler.js';
import { sendHandler } from './send.handler.js';

/**
 * A send spends the client's budget once the credential owns the session (a refused call writes
 * nothing), then, with a valid message, the session's own quota, whichever client sends.
 */
export const chatRouter = router({
  send: ownedSessionProcedure
    .use(rateLimited('chat.send'))
    .input(chatSendInputSchema)
    .use(sessionQuota('session.messages'))
    .output(messageViewSchema)
    .mutation(sendHandler),
  list: ownedSessionProcedure.input(chatListInputSchema).output(chatPageSchema).query(listHandler),
});
