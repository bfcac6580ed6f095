import type { AdminOverview } from '../../shared/admin.js';

/** Sessions active now, and started and ended in the last hour and day. */
export function SessionsPanel({ sessions }: { sessions: AdminOverview['sessions'] }) {
  const figures = [
    { label: 'Active now', value: sessions.active },
    { label: 'Started, last hour', value: sessions.startedLastHour },
    { label: 'Started, last day', value: sessions.startedLastDay },
    { label: 'Ended, last hour', value: sessions.endedLastHour },
    { label: 'Ended, last day', value: sessions.endedLastDay },
  ];
  return (
    <section className="admin-card" aria-labelledby="admin-sessions-title" data-testid="admin-sessions">
      <h2 id="admin-sessions-title">Sessions</h2>
      <dl className="admin-figures">
        {figures.map((figure) => (
          <div key={figure.label} className="admin-figure">
            <dt>{figure.label}</dt>
            <dd>{figure.value.toLocaleString()}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
