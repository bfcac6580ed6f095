import { PassThrough, type Readable } from 'node:stream';

/**
 * One attempt's view of `source`: nothing is taken from `source` until the attempt first asks for
 * bytes, so an attempt that fails before then leaves `source` whole for the next one. When
 * `source` fails, or ends with other than `expectedBytes` (a request declaring a length would
 * wait for bytes that never come), `abort` is called and `failure` says why.
 */
export function lazyRelay(source: Readable, expectedBytes: number, bytesSoFar: () => number, abort: () => void) {
  const body = new PassThrough();
  let started = false;
  let failure: Error | null = null;
  const fail = (error: Error) => {
    failure = error;
    body.destroy(error);
    abort();
  };
  // The request reads `body` but listens to nobody's errors: they reach the caller as `failure`.
  body.on('error', () => undefined);
  const onEnd = () => {
    if (bytesSoFar() !== expectedBytes) fail(new Error(`The body ended after ${bytesSoFar()} of its declared ${expectedBytes} bytes.`));
  };
  const onError = (error: Error) => { fail(error); };
  const read = body._read.bind(body);
  body._read = (size: number) => {
    if (!started) {
      started = true;
      source.once('end', onEnd);
      source.once('error', onError);
      source.pipe(body);
    }
    read(size);
  };
  return {
    body,
    started: () => started,
    failure: (): Error | null => failure,
    release: () => {
      source.unpipe(body);
      source.off('end', onEnd);
      source.off('error', onError);
    },
  };
}
