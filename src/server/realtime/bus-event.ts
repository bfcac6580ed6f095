import type { SessionEvent } from '../../shared/events.js';

/** One entry of a session's log: its stream id (what a tab resumes after) and the event. */
export interface BusEvent {
  id: string;
  event: SessionEvent;
}
