/**
 * The floor of the page-load figure: the least a page that says "connected" can cost on the same
 * line. A bare node:http server sends a page with one line of text and one small script, which
 * opens a WebSocket to the same server and writes `connected` where Tabsync does
 * (`data-testid="connection-status"`): one page, one script, one socket, nothing else.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { serveParent } from '../lib/child.js';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="UTF-8"><title>Floor</title><script type="module" src="/floor.js"></script></head>
<body><h1>Floor</h1><p data-testid="connection-status">connecting</p></body></html>`;

const SCRIPT = `const socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/socket');
socket.onopen = () => { document.querySelector('[data-testid="connection-status"]').textContent = 'connected'; };`;

const server = http.createServer((req, res) => {
  if (req.url === '/floor.js') {
    res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-cache' }).end(SCRIPT);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(PAGE);
});
const sockets = new WebSocketServer({ server, path: '/socket' });

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

serveParent({ url: `http://127.0.0.1:${port}` }, {}, async () => {
  for (const socket of sockets.clients) socket.terminate();
  sockets.close();
  await new Promise((resolve) => server.close(resolve));
});
