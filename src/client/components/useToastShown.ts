import { useToasterStore } from 'react-hot-toast';

/**
 * Whether a toast is on screen. Toasts float over the bottom of the window (160 px up, see
 * AppProviders): the conversation, where the newest messages are, and the files column make room
 * below their last item while one shows, so it can scroll clear of the toast.
 */
export function useToastShown(): boolean {
  const { toasts } = useToasterStore();
  return toasts.some((shown) => shown.visible);
}
