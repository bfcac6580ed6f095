import { describe, expect, it } from 'vitest';
import { nextEventId, parseEventId, previousEventId } from '../../src/shared/event-id.js';
import { eventIdSchema } from '../../src/shared/events.js';
import { eventsInputSchema } from '../../src/shared/events.js';

const MAX = '18446744073709551615';

describe('event ids', () => {
  it.each(['0-1', '1700000000000-0', `${MAX}-${MAX}`, `00000000000000000001-0`])('accepts the stream id %s', (id) => {
    expect(eventIdSchema.safeParse(id).success).toBe(true);
  });

  it.each([`18446744073709551616-0`, `0-18446744073709551616`, '99999999999999999999-99999999999999999999', '1', '1-', '-1', '1-2-3', ' 1-2', '0x1-0', '123456789012345678901-0'])(
    'refuses %s, which Redis could not have made',
    (id) => {
      const parsed = eventsInputSchema.safeParse({ sessionId: '0b5c6f8e-4d1a-4c3e-9f2b-7a8d9e0f1a2b', lastEventId: id });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toContain(MAX);
    },
  );

  it('steps to the neighbouring ids across a carry, and says when there is none', () => {
    expect(nextEventId('5-9')).toBe('5-10');
    expect(nextEventId(`5-${MAX}`)).toBe('6-0');
    expect(nextEventId(`${MAX}-${MAX}`)).toBeUndefined();
    expect(previousEventId('5-10')).toBe('5-9');
    expect(previousEventId('6-0')).toBe(`5-${MAX}`);
    expect(previousEventId('0-0')).toBeUndefined();
    expect(parseEventId(`${MAX}-${MAX}`)).toEqual([2n ** 64n - 1n, 2n ** 64n - 1n]);
  });
});
