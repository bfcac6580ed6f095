import { useState } from 'react';
import { INLINE_IMAGE_TYPES } from '../../../shared/file-types.js';
import type { FileView } from '../../../shared/files.js';
import { FileIcon } from '../icons.js';
import { inlineUrl } from './download-url.js';

/** Larger images keep the icon: the thumbnail is the image itself, scaled down by the browser. */
const THUMBNAIL_MAX_BYTES = 8_000_000;

/** A stored image's own picture, small; any other file (or an image that will not load) shows the file icon. */
export function FileThumbnail({ file }: { file: FileView }) {
  const [broken, setBroken] = useState(false);
  const shows = file.status === 'stored' && INLINE_IMAGE_TYPES.has(file.contentType) && file.size <= THUMBNAIL_MAX_BYTES && !broken;
  if (!shows) return <FileIcon />;
  // Decorative: the file's name is beside it.
  return <img className="file-thumbnail" src={inlineUrl(file.fileId)} alt="" width={36} height={36} loading="lazy" decoding="async" onError={() => { setBroken(true); }} />;
}
