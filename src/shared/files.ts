import { z } from 'zod';
import { isoTimeSchema, sessionIdSchema } from './session.js';

export const fileIdSchema = z.uuid({ error: 'must be a file id (a UUID)' });
export const fileStatusSchema = z.enum(['uploading', 'stored', 'failed', 'deleted']);
export type FileStatus = z.infer<typeof fileStatusSchema>;

export const fileViewSchema = z.object({
  fileId: z.uuid(),
  sessionId: z.uuid(),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().nullable(),
  status: fileStatusSchema,
  createdAt: isoTimeSchema,
});
export type FileView = z.infer<typeof fileViewSchema>;

export const filesListInputSchema = z.object({ sessionId: sessionIdSchema });
export type FilesListInput = z.infer<typeof filesListInputSchema>;
export const filesListOutputSchema = z.array(fileViewSchema);
export const filesRemoveInputSchema = z.object({ sessionId: sessionIdSchema, fileId: fileIdSchema });
export type FilesRemoveInput = z.infer<typeof filesRemoveInputSchema>;
export const filesRemoveResultSchema = z.object({ ok: z.literal(true) });
export type FilesRemoveResult = z.infer<typeof filesRemoveResultSchema>;
export const uploadResultSchema = z.object({ fileId: z.uuid() });
export type UploadResult = z.infer<typeof uploadResultSchema>;
