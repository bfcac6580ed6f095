import type { Logger } from './logger.js';

export type Closer = () => Promise<unknown>;

/**
 * What a composition root opened, closed in reverse order of opening. A part that fails to close is
 * logged and the rest still close.
 */
export class ShutdownStack {
  private readonly closers: Closer[] = [];

  constructor(private readonly log: Logger) {}

  push(close: Closer): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    for (let close = this.closers.pop(); close; close = this.closers.pop()) {
      await close().catch((error: unknown) => { this.log.warn({ err: error }, 'error while closing'); });
    }
  }
}
