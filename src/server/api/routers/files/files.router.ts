import { z } from 'zod';
import { filesListInputSchema, filesRemoveInputSchema, fileViewSchema } from '../../../../shared/files.js';
import { ownedSessionProcedure, router } from '../../trpc.js';
import { listHandler } from './list.handler.js';
import { removeHandler } from './remove.handler.js';

/** Uploads and downloads are plain HTTP (streamed bodies): see src/server/http/files-routes.ts. */
export const filesRouter = router({
  list: ownedSessionProcedure.input(filesListInputSchema).output(z.array(fileViewSchema)).query(listHandler),
  remove: ownedSessionProcedure.input(filesRemoveInputSchema).output(z.object({ ok: z.literal(true) })).mutation(removeHandler),
});
