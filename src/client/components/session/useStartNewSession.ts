import { useState } from 'react';
import { useSessionActions } from '../../session/index.js';

/** Starts a new session from a screen that offers it, and says whether that is under way (to disable the button). */
export function useStartNewSession() {
  const actions = useSessionActions();
  const [isStarting, setStarting] = useState(false);
  const startNew = async () => {
    setStarting(true);
    try {
      await actions.startNew();
    } finally {
      setStarting(false);
    }
  };
  return { startNew, isStarting };
}
