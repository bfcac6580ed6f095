import { filesListInputSchema, filesListOutputSchema, filesRemoveInputSchema, filesRemoveResultSchema } from '../../../../shared/files.js';
import { ownedSessionProcedure, router } from '../../trpc.js';

/** Uploads and downloads are plain HTTP (streamed bodies): see src/server/http/files-routes.ts. */
export const filesRouter = router({
  list: ownedSessionProcedure
    .input(filesListInputSchema)
    .output(filesListOutputSchema)
    .query(({ ctx, input }) => ctx.deps.files.list(input.sessionId)),
  remove: ownedSessionProcedure
    .input(filesRemoveInputSchema)
    .output(filesRemoveResultSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.files.remove(input.sessionId, input.fileId, ctx.actor);
      return { ok: true } as const;
    }),
});
