/** Vite writes the build's setting in here, so a build without it drops the developer controls entirely. */
export const DEV_CONTROLS_ENABLED = import.meta.env.VITE_DEV_CONTROLS === 'true';
