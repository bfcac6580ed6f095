import type { FilesRemoveInput, FilesRemoveResult } from '../../../../shared/files.js';
import type { ApiContext } from '../../context.js';

export async function removeHandler({ ctx, input }: { ctx: ApiContext; input: FilesRemoveInput }): Promise<FilesRemoveResult> {
  await ctx.deps.files.remove(input.sessionId, input.fileId, ctx.actor);
  return { ok: true };
}
