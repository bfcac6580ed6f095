import { WebSocket } from 'ws';

type Sent = Parameters<WebSocket['send']>[0];
type SendCallback = (err?: Error) => void;
type SendOptions = Exclude<Parameters<WebSocket['send']>[1], SendCallback | undefined>;

/** Close code 1013 (try again later): the client reconnects and resumes from its last event id. */
export const SEND_BUDGET_CLOSE = 1013;

/** How long a socket closed for its budget may take to say goodbye before it is cut. */
const CLOSE_GRACE_MS = 2000;

function byteLengthOf(data: Sent): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data.byteLength;
  // Anything else (an array of buffers) is counted by bufferedAmount once written.
  return 0;
}

/**
 * The class the WebSocket server makes its sockets of: a socket with a send budget. tRPC's
 * adapter writes every message as soon as it has it, with no backpressure, so a client that stops
 * reading would have the server buffer for it without end. A send that would take the socket's
 * unsent bytes (`bufferedAmount`: what the kernel has not taken yet, plus what ws has queued) past
 * `maxBufferedBytes` is dropped (a socket holds at most that plus one message), and the socket is closed with 1013 and cut after a short grace
 * (a reader that never reads never takes the close frame either), releasing what it held. Its
 * client's subscriptions resume from their last event id on reconnection, as after any drop.
 */
export function socketsWithSendBudget(maxBufferedBytes: number): typeof WebSocket {
  return class BudgetedWebSocket extends WebSocket {
    private overBudget = false;

    override send(data: Sent, cb?: SendCallback): void;
    override send(data: Sent, options: SendOptions, cb?: SendCallback): void;
    override send(data: Sent, optionsOrCb?: SendOptions | SendCallback, cb?: SendCallback): void {
      const callback = typeof optionsOrCb === 'function' ? optionsOrCb : cb;
      // A message to a socket that holds nothing unsent always goes: one answer larger than the
      // budget (a long page of chat) must not close a socket that reads; the budget bounds what piles up.
      const buffered = this.bufferedAmount;
      if (!this.overBudget && buffered > 0 && buffered + byteLengthOf(data) > maxBufferedBytes) this.exceedBudget();
      if (this.overBudget) {
        callback?.(new Error('the socket is over its send budget'));
        return;
      }
      if (typeof optionsOrCb === 'object') super.send(data, optionsOrCb, cb);
      else super.send(data, callback);
    }

    private exceedBudget(): void {
      this.overBudget = true;
      this.close(SEND_BUDGET_CLOSE, 'too far behind: reconnect to catch up');
      setTimeout(() => { this.terminate(); }, CLOSE_GRACE_MS).unref();
    }
  };
}
