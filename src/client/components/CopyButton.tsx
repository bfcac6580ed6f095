import { useEffect, useState } from 'react';
import { CopyIcon } from './icons.js';

interface Props {
  value: string;
  /** What is copied, in words: names the button and the feedback ("Session id copied"). */
  what: string;
}

/** How long the feedback beside the button stays. */
const FEEDBACK_MS = 2500;

type Outcome = { ok: boolean; text: string } | null;

/** Copies a value to the clipboard and says, right beside the button, whether that worked. */
export function CopyButton({ value, what }: Props) {
  const [outcome, setOutcome] = useState<Outcome>(null);

  useEffect(() => {
    if (!outcome) return;
    const timer = setTimeout(() => { setOutcome(null); }, FEEDBACK_MS);
    return () => { clearTimeout(timer); };
  }, [outcome]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setOutcome({ ok: true, text: 'Copied' });
    } catch {
      setOutcome({ ok: false, text: 'Not copied: select it and copy it instead' });
    }
  };

  return (
    <span className="copy">
      <button type="button" className="icon-button" aria-label={`Copy ${what.toLowerCase()}`} title={`Copy ${what.toLowerCase()}`} onClick={() => { void copy(); }}>
        <CopyIcon />
      </button>
      {/* Always in the page, so that screen readers hear what is written into it. */}
      <span className={`copy-feedback${outcome?.ok === false ? ' is-error' : ''}`} role="status">
        {outcome?.text}
      </span>
    </span>
  );
}
