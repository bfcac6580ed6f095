/** Where the server hands a stored file to the session that owns it. */
export function downloadUrl(fileId: string): string {
  return `/api/files/${encodeURIComponent(fileId)}`;
}
