/**
 * Ids checked without the schemas: what the web app's first script needs (a stored session id
 * worth resuming, an outbox entry's id) must not bring a schema library with it. The same rule as
 * `sessionIdSchema`: a UUID, in lower case once trimmed.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

export function normalizedSessionId(text: string | null | undefined): string | undefined {
  const id = text?.trim().toLowerCase();
  return id !== undefined && isUuid(id) ? id : undefined;
}
