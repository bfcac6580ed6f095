import { useRef, useState } from 'react';
import { useSessionActions, useSessionState } from '../../session/index.js';
import { SessionResetModal } from './SessionResetModal.js';

/** The reset button and the confirmation it opens; the session layer does the reset and says so. */
export function ResetSessionControl() {
  const actions = useSessionActions();
  const resetting = useSessionState().status !== 'active';
  const [confirming, setConfirming] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);

  const close = () => {
    setConfirming(false);
    buttonRef.current?.focus();
  };
  const confirm = () => {
    close();
    void actions.reset();
  };

  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        className="button"
        data-testid="reset-button"
        aria-haspopup="dialog"
        // Stays focusable while a reset is under way, so that focus can come back to it from the modal.
        aria-disabled={resetting}
        onClick={() => { if (!resetting) setConfirming(true); }}
      >
        {resetting ? 'Resetting…' : 'Reset session'}
      </button>
      {confirming && <SessionResetModal onConfirm={confirm} onCancel={close} />}
    </>
  );
}
