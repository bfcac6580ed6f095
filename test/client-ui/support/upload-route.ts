import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { act } from 'react';
import { afterAll, beforeAll, vi } from 'vitest';

/**
 * Serves `route` as the page's upload route, on a real socket of the page's own origin (as in the
 * app), for the test file that calls it. happy-dom's XMLHttpRequest sends the body for real but
 * reports no upload progress, which a browser does: each request the app makes is kept in
 * `requests`, for `progress` to play the browser's part on it.
 */
export function serveUploads(route: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  const requests: XMLHttpRequest[] = [];
  class RecordedXMLHttpRequest extends XMLHttpRequest {
    constructor() {
      super();
      requests.push(this);
    }
  }
  const server = createServer((req, res) => { void route(req, res); });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    (globalThis as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    vi.stubGlobal('XMLHttpRequest', RecordedXMLHttpRequest);
  });

  afterAll(async () => {
    vi.unstubAllGlobals();
    await new Promise((resolve) => server.close(resolve));
  });

  const progress = (request: XMLHttpRequest | undefined, loaded: number, total: number): void => {
    act(() => { request?.upload.dispatchEvent(new ProgressEvent('progress', { loaded, total, lengthComputable: true })); });
  };
  return { requests, progress };
}
