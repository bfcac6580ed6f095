import { toast } from 'react-hot-toast';
import { trpc } from '../../api/trpc-react.js';
import { useSessionUUID } from '../../session/index.js';

/**
 * Sends a message and shows it at once in this tab. The event that every tab gets brings the same
 * message again; it is added only where it is missing, so nothing shows twice.
 */
export function useSendMessage() {
  const sessionId = useSessionUUID();
  const utils = trpc.useUtils();
  return trpc.chat.send.useMutation({
    onSuccess: (message) => {
      utils.chat.list.setInfiniteData({ sessionId }, (data) => {
        const newest = data?.pages[0];
        if (!data || !newest) return data;
        if (data.pages.some((page) => page.messages.some((known) => known.messageId === message.messageId))) return data;
        return { ...data, pages: [{ ...newest, messages: [...newest.messages, message] }, ...data.pages.slice(1)] };
      });
    },
    onError: (error) => {
      toast.error(`Your message was not sent: ${error.message}`);
    },
  });
}
