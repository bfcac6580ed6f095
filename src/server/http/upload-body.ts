import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { InvalidRequestError } from '../services/errors.js';
import { FileTooLargeError, UploadIdleTimeoutError, UploadInterruptedError } from '../services/files/files.errors.js';

/**
 * Ends the body with UploadIdleTimeoutError once the client has sent nothing for `idleMs`. Time
 * spent paused because the reader is busy (the store, the database) is the server's, not idle.
 */
function watchIdle(req: IncomingMessage, body: PassThrough, idleMs: number): void {
  const timer = setTimeout(function expire() {
    if (req.isPaused()) timer.refresh();
    else body.destroy(new UploadIdleTimeoutError(idleMs));
  }, idleMs);
  timer.unref();
  const refresh = () => { timer.refresh(); };
  req.on('data', refresh);
  body.once('close', () => {
    clearTimeout(timer);
    req.off('data', refresh);
  });
  req.once('end', () => { clearTimeout(timer); });
}

/**
 * The request body as a stream of its own: a refusal part-way (too large) stops reading without
 * destroying the request, so the 413 can still be sent; a client that goes away (before this was
 * called, too) or falls silent fails the stream with UploadInterruptedError.
 */
export function uploadBody(req: IncomingMessage, idleMs: number): PassThrough {
  const body = new PassThrough({ highWaterMark: 64 * 1024 });
  // Whoever reads the body learns of its failure from the stream (pipeline checks `errored`); this
  // only keeps a failure before they start reading from being an uncaught 'error'.
  body.on('error', () => undefined);
  if (req.destroyed) {
    body.destroy(new UploadInterruptedError());
    return body;
  }
  // An error on the request is its connection breaking ("aborted", ECONNRESET): the client's doing.
  req.on('error', () => body.destroy(new UploadInterruptedError()));
  req.once('close', () => { if (!req.complete) body.destroy(new UploadInterruptedError()); });
  req.pipe(body);
  watchIdle(req, body, idleMs);
  // Refused part-way, the rest of the body waits until the refusal is answered, and is then read
  // within the host's lingering bounds. (The pipe, letting go of a failed body, resumes the
  // request while any 'data' listener is left: the whole body, however large, would be read
  // before the answer, and a client that had sent it all and closed its side would hear none.)
  body.once('close', () => { if (!req.complete) req.pause(); });
  return body;
}

/** What a failure of the multipart parser means to the client: its own errors kept, the parser's worded. */
function asUploadError(error: unknown): Error {
  if (error instanceof UploadInterruptedError || error instanceof FileTooLargeError || error instanceof InvalidRequestError) return error;
  return new InvalidRequestError(`The multipart body is malformed: ${error instanceof Error ? error.message : 'unreadable'}.`);
}

/** The `file` part of a multipart/form-data body, as soon as its bytes begin. */
export function multipartFile(req: IncomingMessage, body: Readable, maxBytes: number): Promise<{ stream: Readable; filename: string }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // One byte over the limit reaches the store's counter, which refuses it; busboy's own cut-off is the backstop.
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes + 1, fields: 20, fieldSize: 4096, parts: 30 } });
    } catch {
      body.destroy();
      reject(new InvalidRequestError('The multipart body has no boundary. Send the file as multipart/form-data or as the raw body.'));
      return;
    }
    let found = false;
    parser.on('file', (field, stream, info) => {
      if (field !== 'file' || found) {
        // Skipped, but still destroyed along with the parser if the body fails while it is read.
        stream.on('error', () => undefined);
        stream.resume();
        return;
      }
      found = true;
      // The part the service reads: it fails with an error the client can act on, from the first byte on.
      const file = new PassThrough();
      file.on('error', () => undefined);
      stream.on('error', (error) => file.destroy(asUploadError(error)));
      stream.once('limit', () => file.destroy(new FileTooLargeError(maxBytes)));
      // A part that failed (too large, refused by the store) ends the form: busboy would otherwise
      // skip through the rest of a huge file part at full speed, before the refusal is answered.
      file.once('close', () => { if (!file.readableEnded) body.destroy(); });
      stream.pipe(file);
      resolve({ stream: file, filename: info.filename ?? '' });
    });
    parser.once('close', () => {
      if (!found) reject(new InvalidRequestError('The form has no file. Send it in a multipart field named "file".'));
    });
    // Either side failing fails the other: a body gone mid-form destroys the parser and its file part.
    pipeline(body, parser).catch((error: unknown) => { reject(asUploadError(error)); });
  });
}
