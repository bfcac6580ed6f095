import type { MessageView } from '../../../shared/chat.js';

/**
 * How the conversation says when: times and days in the person's own locale (the browser's, or
 * `locale` where a test names one), times without a leading zero ("9:05", never "09:05").
 */

/** Messages closer together than this, on one day, read as one run: only the last shows its time. */
export const GROUP_GAP_MS = 5 * 60_000;

const timeFormats = new Map<string, Intl.DateTimeFormat>();

function timeFormat(locale: string | undefined): Intl.DateTimeFormat {
  const key = locale ?? '';
  let format = timeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
    timeFormats.set(key, format);
  }
  return format;
}

/** The time of day, as the locale writes it but with the hour's leading zero dropped. */
export function formatTime(date: Date, locale?: string): string {
  return timeFormat(locale)
    .formatToParts(date)
    .map((part) => (part.type === 'hour' && part.value.length > 1 && part.value.startsWith('0') ? part.value.slice(1) : part.value))
    .join('');
}

/** The calendar day (local time) of a date, as a key: 2025-03-09. */
export function dayKey(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function capitalise(text: string, locale: string | undefined): string {
  return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
}

/** A day separator's words: today, yesterday, a weekday this week, else the date (with the year when it is not this one). */
export function formatDay(date: Date, now: Date, locale?: string): string {
  const midnight = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const daysAgo = Math.round((midnight(now) - midnight(date)) / 86_400_000);
  if (daysAgo === 0 || daysAgo === 1) return capitalise(new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(-daysAgo, 'day'), locale);
  if (daysAgo > 1 && daysAgo < 7) return new Intl.DateTimeFormat(locale, { weekday: 'long' }).format(date);
  const sameYear = date.getFullYear() === now.getFullYear();
  return new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', ...(sameYear ? {} : { year: 'numeric' }) }).format(date);
}

export interface MessageInRun {
  message: MessageView;
  /** The first of a run of messages sent close together. */
  startsRun: boolean;
  /** The last of its run: it shows the run's time. */
  endsRun: boolean;
}

export interface ConversationDay {
  key: string;
  date: Date;
  messages: MessageInRun[];
}

/** The conversation (oldest first) by calendar day, each message marked where its run starts and ends. */
export function groupConversation(messages: readonly MessageView[]): ConversationDay[] {
  const days: ConversationDay[] = [];
  let previous: Date | undefined;
  for (const message of messages) {
    const sentAt = new Date(message.createdAt);
    const key = dayKey(sentAt);
    let day = days.at(-1);
    if (day?.key !== key) {
      day = { key, date: sentAt, messages: [] };
      days.push(day);
    }
    const last = day.messages.at(-1);
    const startsRun = !last || !previous || sentAt.getTime() - previous.getTime() > GROUP_GAP_MS;
    if (last && startsRun) last.endsRun = true;
    day.messages.push({ message, startsRun, endsRun: false });
    previous = sentAt;
  }
  for (const day of days) {
    const last = day.messages.at(-1);
    if (last) last.endsRun = true;
  }
  return days;
}
