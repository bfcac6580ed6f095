import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

export type LogFormat = 'pretty' | 'json';

/**
 * A person reads a terminal; everything else (a file, a pipe, a log shipper, production) gets one
 * JSON object per line, which is what the tests and log collectors parse.
 */
export function chooseLogFormat(output: { isTTY: boolean; nodeEnv: string | undefined }): LogFormat {
  return output.isTTY && output.nodeEnv !== 'production' ? 'pretty' : 'json';
}

/** The format for this process's stdout, in the environment the config names (`NODE_ENV`). */
export function stdoutLogFormat(nodeEnv: string): LogFormat {
  return chooseLogFormat({ isTTY: process.stdout.isTTY, nodeEnv });
}

/** Logs on stdout; anything that could carry a credential is removed before it is written. */
export function createLogger(level: string, format: LogFormat): Logger {
  const options = {
    level,
    base: { service: 'tabsync' },
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'headers.cookie', 'headers.authorization', 'credential', 'token', '*.credential', '*.token'],
      censor: '[redacted]',
    },
  };
  if (format === 'json') return pino(options);
  // Loaded only for a terminal: a production process has no use for it at start-up.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  // Synchronous, so that the last lines before process.exit reach the terminal.
  return pino(options, pretty({ sync: true, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l' }));
}
