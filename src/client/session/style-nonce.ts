/**
 * react-hot-toast styles its toasts through goober, which writes one <style> element and stamps
 * it with `window.__nonce__`. The page's policy admits inline styles only with the nonce the
 * server put on `<meta property="csp-nonce">` (the tag Vite's `html.cspNonce` writes), so goober
 * must be handed that nonce before react-hot-toast is first evaluated: import this module first.
 */
declare global {
  interface Window {
    __nonce__?: string;
  }
}

const meta = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]');
// The nonce lives on in the property once the browser hides the attribute.
if (meta?.nonce) window.__nonce__ = meta.nonce;

export {};
