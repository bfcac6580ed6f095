/** Limits that both sides enforce, so the client can refuse early with the same words. */
export const CHAT_TEXT_MAX = 4000;
export const CHAT_PAGE_SIZE = 50;
export const FILE_NAME_MAX = 255;
export const CREDENTIAL_COOKIE = 'tabsync_session';
/** The largest tRPC request body (HTTP) or WebSocket message: every procedure's input fits with room to spare. */
export const TRPC_MAX_BODY_BYTES = 64 * 1024;
/** The most calls one batched tRPC request (or WebSocket message) may carry; the client's batch link uses the same. */
export const TRPC_MAX_BATCH = 16;
