/**
 * Whether the message field should take the focus as the conversation opens: on a device with a
 * mouse or trackpad (a laptop), where typing can start at once, and only when nothing else has the
 * focus (after a reset it stays on the control the person used). On a touch screen the on-screen
 * keyboard would cover half the page unasked.
 */
export function focusOnOpen(): boolean {
  const nothingFocused = document.activeElement === null || document.activeElement === document.body;
  return nothingFocused && window.matchMedia('(hover: hover) and (pointer: fine)').matches;
}
