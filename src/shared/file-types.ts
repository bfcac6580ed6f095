/**
 * Stored files of these types are served for display (`?inline=1`): raster images only, never SVG
 * (which runs scripts). Apart from the schemas, so that the web app's first script can read it
 * without a schema library.
 */
export const INLINE_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
