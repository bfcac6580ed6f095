export * from './chat.js';
export * from './errors.js';
export * from './events.js';
export * from './files.js';
export * from './limits.js';
export * from './session.js';
export * from './event-id.js';
