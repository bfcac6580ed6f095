import { describe, expect, it } from 'vitest';
import { chooseLogFormat } from '../../src/server/logger.js';

describe('the log format', () => {
  it('is pretty for a person at a terminal outside production', () => {
    expect(chooseLogFormat({ isTTY: true, nodeEnv: undefined })).toBe('pretty');
    expect(chooseLogFormat({ isTTY: true, nodeEnv: 'development' })).toBe('pretty');
    expect(chooseLogFormat({ isTTY: true, nodeEnv: 'test' })).toBe('pretty');
  });

  it('is JSON in production, even at a terminal', () => {
    expect(chooseLogFormat({ isTTY: true, nodeEnv: 'production' })).toBe('json');
  });

  it('is JSON into a pipe or a file, whatever the environment', () => {
    for (const nodeEnv of [undefined, 'development', 'test', 'production']) {
      expect(chooseLogFormat({ isTTY: false, nodeEnv }), String(nodeEnv)).toBe('json');
    }
  });
});
