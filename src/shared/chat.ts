import { z } from 'zod';
import { CHAT_TEXT_MAX } from './limits.js';
import { fileIdSchema } from './files.js';
import { isoTimeSchema, sessionIdSchema } from './session.js';

export const messageViewSchema = z.object({
  messageId: z.uuid(),
  sessionId: z.uuid(),
  text: z.string(),
  fileIds: z.array(z.uuid()),
  createdAt: isoTimeSchema,
  /** The id the sending client gave the message, when it gave one (see chatSendInputSchema). */
  clientMessageId: z.uuid().optional(),
});
export type MessageView = z.infer<typeof messageViewSchema>;

/**
 * The sending client's own id for a message, made once when the message is written
 * (crypto.randomUUID()): a send repeated with it (an outbox trying again after a lost answer)
 * returns the message stored the first time instead of storing it twice.
 */
export const clientMessageIdSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.uuid({ error: 'must be a UUID made once per message, such as 3f0c2a9e-8b1d-4c7e-9a2f-5d6e7f8a9b0c (crypto.randomUUID())' }));

export const chatSendInputSchema = z.object({
  sessionId: sessionIdSchema,
  text: z
    .string({ error: 'text is required.' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(CHAT_TEXT_MAX, { error: `must be at most ${CHAT_TEXT_MAX} characters long` }),
  fileIds: z.array(fileIdSchema).max(20, { error: 'can list at most 20 files' }).optional(),
  clientMessageId: clientMessageIdSchema.optional(),
});
export type ChatSendInput = z.infer<typeof chatSendInputSchema>;

/** An opaque cursor: the id of the oldest message of the page before. */
export const chatListInputSchema = z.object({
  sessionId: sessionIdSchema,
  cursor: z.uuid({ error: 'must be the nextCursor of an earlier page' }).nullish(),
});
export type ChatListInput = z.infer<typeof chatListInputSchema>;

export const chatPageSchema = z.object({
  messages: z.array(messageViewSchema),
  nextCursor: z.string().nullable(),
});
export type ChatPage = z.infer<typeof chatPageSchema>;
