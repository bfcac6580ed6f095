/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** `'true'` builds the developer controls into the client; any other value leaves them out. */
  readonly VITE_DEV_CONTROLS?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
