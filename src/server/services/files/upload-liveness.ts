/** How often an upload in flight touches its row unless told otherwise (the default upload idle timeout). */
export const DEFAULT_HEARTBEAT_MS = 30_000;
/** Slack on top of two missed heartbeats: a busy database or a paused process is not a dead upload. */
const MARGIN_MS = 60_000;

/**
 * How long an `uploading` row with no bytes staged may go untouched before the cleanup calls it
 * abandoned. An upload in flight touches its row every `heartbeatMs` (see `keepAlive`), so one
 * untouched for two heartbeats and a margin belongs to a process that died mid-upload.
 */
export function abandonedUploadAfterMs(heartbeatMs: number): number {
  return 2 * heartbeatMs + MARGIN_MS;
}

/** Calls `touch` every `everyMs` until the returned function is called. */
export function keepAlive(touch: () => Promise<void>, everyMs: number): () => void {
  const timer = setInterval(() => {
    // A missed heartbeat only brings the cleanup's verdict closer; the next one makes up for it.
    touch().catch(() => undefined);
  }, everyMs);
  timer.unref();
  return () => { clearInterval(timer); };
}
