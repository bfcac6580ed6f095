import { chatListInputSchema, chatPageSchema, chatSendInputSchema, messageViewSchema } from '../../../../shared/chat.js';
import { ownedSessionProcedure, rateLimited, router, sessionQuota } from '../../trpc.js';
import { isResend } from './is-resend.js';

/**
 * A send spends the client's budget once the credential owns the session (a refused call writes
 * nothing), then, with a valid message, the session's own quota, whichever client sends; a resend
 * of a message already stored (its clientMessageId) spends no quota and answers with that message.
 */
export const chatRouter = router({
  send: ownedSessionProcedure
    .use(rateLimited('chat.send'))
    .input(chatSendInputSchema)
    .use(sessionQuota('session.messages', { isFree: isResend }))
    .output(messageViewSchema)
    .mutation(({ ctx, input: { sessionId, ...message } }) => ctx.deps.chat.send(sessionId, message, ctx.actor)),
  list: ownedSessionProcedure
    .input(chatListInputSchema)
    .output(chatPageSchema)
    .query(({ ctx, input }) => ctx.deps.chat.list(input.sessionId, input.cursor)),
});
