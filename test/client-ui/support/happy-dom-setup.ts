/**
 * happy-dom answers `navigator.locks` with null, where a browser without Web Locks has no such
 * property; broadcast-channel checks for `undefined` and then calls `null.request`. Without the
 * property, it elects the leader tab by messages, as in such a browser.
 */
Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });

/** Tells React that this environment wraps updates in act(), as Testing Library does. */
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** The language index.html declares on <html>, which screen readers (and axe-core) read. */
document.documentElement.lang = 'en';
