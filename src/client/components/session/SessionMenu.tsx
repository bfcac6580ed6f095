import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useSessionState } from '../../session/index.js';
import { CopyButton } from '../CopyButton.js';
import { ChevronIcon } from '../icons.js';
import { ResetSessionControl } from './ResetSessionControl.js';

const startedAt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The session's details behind one button of the bar: its id (which names it in support requests
 * and logs) with a way to copy it, when it started, and the reset. The panel stays in the page
 * when closed (hidden), so the id is always there to read; Escape or a click elsewhere closes it.
 */
export function SessionMenu() {
  const state = useSessionState();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const toggleRef = useRef<HTMLButtonElement>(null);
  /** Set by a press inside the menu, which includes the reset confirmation (a portal, but a React child). */
  const pressedInside = useRef(false);

  useEffect(() => {
    if (!open) return;
    // Around each press: cleared first (the document's capture phase comes before React's), marked
    // by the menu if the press is in it, read last (the document's bubble phase).
    const forgetPress = () => { pressedInside.current = false; };
    const closeUnlessPressedInside = () => { if (!pressedInside.current) setOpen(false); };
    document.addEventListener('pointerdown', forgetPress, true);
    document.addEventListener('pointerdown', closeUnlessPressedInside);
    return () => {
      document.removeEventListener('pointerdown', forgetPress, true);
      document.removeEventListener('pointerdown', closeUnlessPressedInside);
    };
  }, [open]);

  if (state.status !== 'active' && state.status !== 'resetting') return null;
  const { session } = state;

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    // The confirmation handles its own Escape (and marks it so): that one keeps the menu open.
    if (event.key !== 'Escape' || event.defaultPrevented || !open) return;
    setOpen(false);
    toggleRef.current?.focus();
  };

  return (
    <div className="session-menu" onKeyDown={onKeyDown} onPointerDownCapture={() => { pressedInside.current = true; }}>
      <button
        ref={toggleRef}
        type="button"
        className="button session-menu-toggle"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => { setOpen((was) => !was); }}
      >
        Session
        <ChevronIcon />
      </button>
      <div id={panelId} className="session-menu-panel" role="group" aria-label="This session" hidden={!open}>
        <div className="session-menu-field">
          <span className="session-menu-label" id={`${panelId}-id`}>Session id</span>
          <div className="session-menu-value">
            <code className="session-id" data-testid="session-id" aria-labelledby={`${panelId}-id`}>
              {session.sessionId}
            </code>
            <CopyButton value={session.sessionId} what="Session id" />
          </div>
        </div>
        <p className="session-menu-note">
          Started <time dateTime={session.createdAt}>{startedAt.format(new Date(session.createdAt))}</time>. The id names this session
          when you ask for help; it gives no one access to it.
        </p>
        <ResetSessionControl />
      </div>
    </div>
  );
}
