/**
 * A job could not be queued because Redis does not answer. The queues' connection refuses at once
 * instead of holding the command, so the request that wanted the job answers 503 with this message.
 */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

export const UPLOADS_PAUSED_MESSAGE = 'Uploads are paused for a moment while the server reconnects to its queue. Please try again in a few seconds.';
