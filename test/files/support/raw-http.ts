import net from 'node:net';

/** One connection spoken to byte by byte, as an aborting or stalling client does. */
export interface RawConnection {
  socket: net.Socket;
  /** Resolves once the bytes are handed to the kernel. */
  write(data: string | Buffer): Promise<void>;
  /** Everything the server sent, once it closed the connection. */
  answer: Promise<string>;
}

export function connectRaw(base: string): Promise<RawConnection> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const answer = new Promise<string>((done) => {
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.once('close', () => { done(Buffer.concat(chunks).toString('latin1')); });
    });
    // A reset from the server (it closed on unread bytes) is one way for the test's story to end.
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      resolve({
        socket,
        answer,
        write: (data) => new Promise((written, failed) => { socket.write(data, (error) => { if (error) failed(error); else written(); }); }),
      });
    });
    socket.once('error', reject);
  });
}

/** The head of a `POST /api/files` request. */
export function uploadHead(base: string, target: string, headers: Record<string, string | number>): string {
  const host = new URL(base).host;
  const lines = Object.entries({ host, connection: 'close', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `POST ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

export const BOUNDARY = 'tabsync-test-boundary';

/** A multipart/form-data body with one `file` part: its opening (headers of the part) and its closing. */
export function multipartParts(fileName: string): { opening: Buffer; closing: Buffer } {
  return {
    opening: Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    closing: Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  };
}

/** The status code of a raw HTTP answer, or null when the server closed without one. */
export function statusOf(answer: string): number | null {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
  return match ? Number(match[1]) : null;
}
