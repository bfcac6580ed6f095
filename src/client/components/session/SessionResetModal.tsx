import { useEffect, useRef, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';

interface Props {
  onConfirm: () => void;
  onCancel: () => void;
}

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Asks before a reset, which ends the session in every tab. Focus starts on the harmless choice,
 * Tab cycles inside the dialog, Escape or a click outside cancels; the opener restores focus.
 */
export function SessionResetModal({ onConfirm, onCancel }: Props) {
  const dialogRef = useRef<HTMLDivElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    cancelRef.current?.focus();
  }, []);

  const keepFocusInside = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onCancel();
      return;
    }
    if (event.key !== 'Tab' || !dialogRef.current) return;
    const focusable = [...dialogRef.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = focusable[0];
    const last = focusable.at(-1);
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return createPortal(
    <div className="modal-backdrop" onMouseDown={(event) => { if (event.target === event.currentTarget) onCancel(); }}>
      <div
        ref={dialogRef}
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="reset-title"
        aria-describedby="reset-description"
        onKeyDown={keepFocusInside}
      >
        <h2 id="reset-title">Reset this session?</h2>
        <p id="reset-description">
          Every tab of this browser moves to a new, empty session. The conversation and files of this one are ended and
          cleaned up; this cannot be undone.
        </p>
        <div className="modal-actions">
          <button ref={cancelRef} type="button" className="button" onClick={onCancel}>
            Keep this session
          </button>
          <button type="button" className="button button-danger" data-testid="confirm-reset" onClick={onConfirm}>
            Reset session
          </button>
        </div>
      </div>
    </div>,
    document.body,
  );
}
