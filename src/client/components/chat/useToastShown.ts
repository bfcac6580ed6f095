import { useToasterStore } from 'react-hot-toast';

/**
 * Whether a toast is on screen. Toasts float over the bottom of the conversation (above the
 * composer, see AppProviders), where the newest messages are: the list makes room while one shows.
 */
export function useToastShown(): boolean {
  const { toasts } = useToasterStore();
  return toasts.some((shown) => shown.visible);
}
