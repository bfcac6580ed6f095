import { filesListInputSchema, filesListOutputSchema, filesRemoveInputSchema, filesRemoveResultSchema } from '../../../../shared/files.js';
import { ownedSessionProcedure, router } from '../../trpc.js';
import { listHandler } from './list.handler.js';
import { removeHandler } from './remove.handler.js';

/** Uploads and downloads are plain HTTP (streamed bodies): see src/server/http/files-routes.ts. */
export const filesRouter = router({
  list: ownedSessionProcedure.input(filesListInputSchema).output(filesListOutputSchema).query(listHandler),
  remove: ownedSessionProcedure.input(filesRemoveInputSchema).output(filesRemoveResultSchema).mutation(removeHandler),
});
