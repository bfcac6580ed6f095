import { toast } from 'react-hot-toast';
import { CopyIcon } from './icons.js';

interface Props {
  value: string;
  /** What is copied, in words: names the button and the toast ("Session id copied"). */
  what: string;
}

/** Copies a value to the clipboard and says whether that worked. */
export function CopyButton({ value, what }: Props) {
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      toast.success(`${what} copied`);
    } catch {
      toast.error(`Could not copy the ${what.toLowerCase()}: this browser did not allow it. Select it and copy it instead.`);
    }
  };
  return (
    <button type="button" className="icon-button" aria-label={`Copy ${what.toLowerCase()}`} title={`Copy ${what.toLowerCase()}`} onClick={() => { void copy(); }}>
      <CopyIcon />
    </button>
  );
}
