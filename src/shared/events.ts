import { z } from 'zod';
import { messageViewSchema } from './chat.js';
import { EVENT_ID_PART_MAX, parseEventId } from './event-id.js';
import { fileViewSchema } from './files.js';
import { isoTimeSchema, sessionIdSchema, sessionViewSchema } from './session.js';

/**
 * An event id as the server sends it: a Redis stream id, `<ms>-<seq>` (event-id.ts, which the web
 * app uses without this schema).
 */
export const eventIdSchema = z.string().refine((id) => parseEventId(id) !== undefined, {
  error: `must be an event id this server sent: "<ms>-<seq>", two whole numbers each at most ${EVENT_ID_PART_MAX}`,
});

/** Every state change of a session, as its tabs receive it. */
export const sessionEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.validated'), session: sessionViewSchema }),
  z.object({ type: z.literal('session.reset'), sessionId: z.uuid(), newSessionId: z.uuid(), at: isoTimeSchema }),
  z.object({ type: z.literal('session.expired'), sessionId: z.uuid(), at: isoTimeSchema }),
  /**
   * Comes first when a tab resumes from a lastEventId the session's log no longer reaches back to:
   * it was trimmed past it (`history_trimmed`), or it is gone, e.g. with a Redis restart
   * (`history_lost`). The tab refetches `chat.list` and `files.list`; the retained events follow.
   */
  z.object({ type: z.literal('session.resync'), sessionId: z.uuid(), reason: z.enum(['history_trimmed', 'history_lost']) }),
  z.object({ type: z.literal('file.added'), file: fileViewSchema }),
  z.object({ type: z.literal('file.stored'), file: fileViewSchema }),
  z.object({ type: z.literal('file.failed'), file: fileViewSchema, reason: z.string() }),
  z.object({ type: z.literal('file.removed'), fileId: z.uuid() }),
  z.object({ type: z.literal('chat.message'), message: messageViewSchema }),
]);
export type SessionEvent = z.infer<typeof sessionEventSchema>;
export type SessionEventType = SessionEvent['type'];

/** Events after which a session takes no more: subscribers receive them, then the stream ends. */
export const FINAL_EVENT_TYPES: ReadonlySet<SessionEventType> = new Set(['session.reset', 'session.expired']);

export const eventsInputSchema = z.object({
  sessionId: sessionIdSchema,
  /** The id of the last event this tab has seen; events after it are replayed first. */
  lastEventId: eventIdSchema.nullish(),
});
export type EventsInput = z.infer<typeof eventsInputSchema>;

/** What `session.events` yields: each event with the id to resume from (tRPC's tracked envelope). */
export const sessionEventEnvelopeSchema = z.object({ id: eventIdSchema, data: sessionEventSchema });
export type SessionEventEnvelope = z.infer<typeof sessionEventEnvelopeSchema>;
