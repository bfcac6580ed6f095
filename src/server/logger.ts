import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; anything that could carry a credential is removed before it is written. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'tabsync' },
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'headers.cookie', 'headers.authorization', 'credential', 'token', '*.credential', '*.token'],
      censor: '[redacted]',
    },
  });
}
