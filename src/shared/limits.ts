/** Limits that both sides enforce, so the client can refuse early with the same words. */
export const CHAT_TEXT_MAX = 4000;
export const CHAT_PAGE_SIZE = 50;
export const FILE_NAME_MAX = 255;
export const CREDENTIAL_COOKIE = 'tabsync_session';
