import { describe, expect, it } from 'vitest';
import { formatDay, formatTime, groupConversation } from '../../src/client/components/chat/chat-time.js';
import type { MessageView } from '../../src/shared/chat.js';

const at = (y: number, mo: number, d: number, h: number, mi: number) => new Date(y, mo - 1, d, h, mi);

function message(sentAt: Date, text = 'hi'): MessageView {
  return { messageId: crypto.randomUUID(), sessionId: crypto.randomUUID(), text, fileIds: [], createdAt: sentAt.toISOString() };
}

describe('times and days in the conversation', () => {
  it('write the time as the locale does, without a leading zero on the hour', () => {
    const morning = at(2025, 3, 9, 9, 5);
    expect(formatTime(morning, 'en-GB')).toBe('9:05');
    expect(formatTime(morning, 'de-DE')).toBe('9:05');
    expect(formatTime(morning, 'en-US')).toMatch(/^9:05\sAM$/);
    expect(formatTime(at(2025, 3, 9, 0, 7), 'en-GB')).toBe('0:07');
    expect(formatTime(at(2025, 3, 9, 21, 30), 'fr-FR')).toBe('21:30');
  });

  it('name the day: today, yesterday, a weekday this week, else the date, with the year only when it is another', () => {
    const now = at(2025, 3, 9, 12, 0);
    expect(formatDay(at(2025, 3, 9, 0, 1), now, 'en-GB')).toBe('Today');
    expect(formatDay(at(2025, 3, 8, 23, 59), now, 'en-GB')).toBe('Yesterday');
    expect(formatDay(at(2025, 3, 8, 23, 59), now, 'de-DE')).toBe('Gestern');
    expect(formatDay(at(2025, 3, 5, 10, 0), now, 'en-GB')).toBe('Wednesday');
    // The date as the locale's own data writes it (its punctuation varies with the ICU version).
    const date = (options: Intl.DateTimeFormatOptions, day: Date) => new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', ...options }).format(day);
    expect(formatDay(at(2025, 2, 14, 10, 0), now, 'en-GB')).toBe(date({}, at(2025, 2, 14, 10, 0)));
    expect(formatDay(at(2025, 2, 14, 10, 0), now, 'en-GB')).not.toContain('2025');
    expect(formatDay(at(2024, 12, 31, 10, 0), now, 'en-GB')).toBe(date({ year: 'numeric' }, at(2024, 12, 31, 10, 0)));
    expect(formatDay(at(2024, 12, 31, 10, 0), now, 'en-GB')).toContain('2024');
  });

  it('group the conversation by day, in runs of messages sent within five minutes of each other', () => {
    const days = groupConversation([
      message(at(2025, 3, 8, 22, 0)),
      message(at(2025, 3, 9, 9, 0)),
      message(at(2025, 3, 9, 9, 4)),
      message(at(2025, 3, 9, 9, 8)),
      message(at(2025, 3, 9, 9, 20)),
    ]);
    expect(days.map((day) => day.key)).toEqual(['2025-03-08', '2025-03-09']);
    expect(days[1]?.messages.map(({ startsRun, endsRun }) => [startsRun, endsRun])).toEqual([
      [true, false],
      [false, false],
      [false, true],
      [true, true],
    ]);
    expect(days[0]?.messages.map(({ startsRun, endsRun }) => [startsRun, endsRun])).toEqual([[true, true]]);
  });
});
