import { useId, type ChangeEvent } from 'react';

interface Props {
  onFiles: (files: File[]) => void;
  label: string;
  testId?: string;
  className?: string;
  /** One file only (choosing a failed upload's file again). */
  single?: boolean;
}

/**
 * A file input that looks like a button: the input itself stays in the tab order (visually hidden),
 * so keyboards and screen readers reach the real control and the label shows its focus.
 */
export function FilePicker({ onFiles, label, testId, className = 'button', single = false }: Props) {
  const id = useId();
  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    onFiles([...(event.currentTarget.files ?? [])]);
    // Clearing lets the same file be chosen again after a failed upload.
    event.currentTarget.value = '';
  };
  return (
    <>
      <input id={id} type="file" multiple={!single} className="visually-hidden file-picker-input" data-testid={testId} onChange={choose} />
      <label htmlFor={id} className={className}>
        {label}
      </label>
    </>
  );
}
