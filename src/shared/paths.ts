/** Where the server answers, as both sides name it: tRPC over HTTP and WebSocket alike. */
export const TRPC_PATH = '/api/trpc';
/** Uploads (`POST`) and downloads (`GET <FILES_PATH>/<fileId>`). */
export const FILES_PATH = '/api/files';
/** Everything under it is the API; the web app is served everywhere else. */
export const API_PREFIX = '/api/';
/** The paths of the admin surfaces (the server mounts them, the page links to them). */
export const ADMIN_PATHS = { page: '/admin', queues: '/admin/queues', metrics: '/metrics' } as const;
