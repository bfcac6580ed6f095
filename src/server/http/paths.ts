/** Where tRPC is served, over HTTP and WebSocket alike. */
export const TRPC_PATH = '/api/trpc';
