/** Where the server hands a stored file to the session that owns it. */
export function downloadUrl(fileId: string): string {
  return `/api/files/${encodeURIComponent(fileId)}`;
}

/** The same file for display in the page (a thumbnail); the server serves only raster images so. */
export function inlineUrl(fileId: string): string {
  return `${downloadUrl(fileId)}?inline=1`;
}
