import { z } from 'zod';
import { isoTimeSchema, sessionIdSchema } from './session.js';

export const fileIdSchema = z.uuid({ error: 'must be a file id (a UUID)' });
export const fileStatusSchema = z.enum(['uploading', 'stored', 'failed', 'deleted']);
export type FileStatus = z.infer<typeof fileStatusSchema>;

/**
 * Why a file ended `failed`. Refused when checked: `executable`, `too_large`. Did not arrive whole:
 * `client_aborted`, `idle_timeout`, `store_failed`, `size_mismatch`, `bytes_missing`, `abandoned`.
 * Not processed: `not_queued`, `processing_failed`, `session_ended`. `unknown`: failed before the
 * reason was kept with the file.
 */
export const fileFailureCodeSchema = z.enum([
  'executable',
  'too_large',
  'client_aborted',
  'idle_timeout',
  'store_failed',
  'size_mismatch',
  'bytes_missing',
  'abandoned',
  'not_queued',
  'processing_failed',
  'session_ended',
  'unknown',
]);
export type FileFailureCode = z.infer<typeof fileFailureCodeSchema>;

/** Why a file was not kept: a code to act on, and the sentence to show a person. */
export const fileFailureSchema = z.object({ code: fileFailureCodeSchema, reason: z.string() });
export type FileFailure = z.infer<typeof fileFailureSchema>;

/** A stored file whose extension was changed to the one its bytes earn: the name it came with, and why. */
export const fileRenameSchema = z.object({ from: z.string(), because: z.string() });
export type FileRename = z.infer<typeof fileRenameSchema>;

export const fileViewSchema = z.object({
  fileId: z.uuid(),
  sessionId: z.uuid(),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().nullable(),
  status: fileStatusSchema,
  createdAt: isoTimeSchema,
  /** Set exactly when the status is `failed`. */
  failure: fileFailureSchema.nullable(),
  /** Set when the stored name's extension is not the one the file was uploaded with. */
  renamed: fileRenameSchema.nullable(),
});
export type FileView = z.infer<typeof fileViewSchema>;

export { INLINE_IMAGE_TYPES } from './file-types.js';

export const filesListInputSchema = z.object({ sessionId: sessionIdSchema });
export type FilesListInput = z.infer<typeof filesListInputSchema>;
export const filesListOutputSchema = z.array(fileViewSchema);
export const filesRemoveInputSchema = z.object({ sessionId: sessionIdSchema, fileId: fileIdSchema });
export type FilesRemoveInput = z.infer<typeof filesRemoveInputSchema>;
export const filesRemoveResultSchema = z.object({ ok: z.literal(true) });
export type FilesRemoveResult = z.infer<typeof filesRemoveResultSchema>;
export const uploadResultSchema = z.object({ fileId: z.uuid() });
export type UploadResult = z.infer<typeof uploadResultSchema>;
