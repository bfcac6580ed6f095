import type { FileView, FilesListInput } from '../../../../shared/files.js';
import type { ApiContext } from '../../context.js';

export function listHandler({ ctx, input }: { ctx: ApiContext; input: FilesListInput }): Promise<FileView[]> {
  return ctx.deps.files.list(input.sessionId);
}
