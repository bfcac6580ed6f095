import { useEventLog } from '../../session/index.js';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** Every event this tab received, newest first, with its stream id. */
export function EventLog() {
  const entries = useEventLog();
  return (
    <section className="event-log" aria-labelledby="event-log-title">
      <h3 id="event-log-title">Live events</h3>
      {entries.length === 0 ? (
        <p className="event-log-empty">No events yet.</p>
      ) : (
        <ol className="event-log-list">
          {[...entries].reverse().map(({ id, event, at }) => (
            <li key={id}>
              <span className="event-type">{event.type}</span>
              <time dateTime={new Date(at).toISOString()}>{clock.format(at)}</time>
              <code className="event-id">{id}</code>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
