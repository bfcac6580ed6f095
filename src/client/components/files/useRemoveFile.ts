import { toast } from 'react-hot-toast';
import { describeFailure } from '../../api/failure.js';
import { trpc } from '../../api/trpc-react.js';
import { useSessionUUID } from '../../session/index.js';

/**
 * Removes a file from the session: this tab's list drops it at once, the others on the
 * `file.removed` event. The name is read when removal starts, since the list may lose it first.
 */
export function useRemoveFile() {
  const sessionId = useSessionUUID();
  const utils = trpc.useUtils();
  const mutation = trpc.files.remove.useMutation({
    onMutate: ({ fileId }) => ({ name: utils.files.list.getData({ sessionId })?.find((file) => file.fileId === fileId)?.name ?? 'The file' }),
    onSuccess: (_result, { fileId }, { name }) => {
      utils.files.list.setData({ sessionId }, (files) => files?.filter((file) => file.fileId !== fileId));
      toast.success(`Removed ${name}`);
    },
    onError: (error, _variables, removal) => {
      toast.error(`${removal?.name ?? 'The file'} was not removed: ${describeFailure(error)}`);
    },
  });
  return {
    remove: (fileId: string) => { mutation.mutate({ sessionId, fileId }); },
    isRemoving: mutation.isPending,
  };
}
