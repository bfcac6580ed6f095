import type { AdminOverview } from '../../shared/admin.js';

/** Refusals per minute over the last half hour, as bars scaled to the busiest minute. */
export function RefusalsPanel({ minutes }: { minutes: AdminOverview['refusalsPerMinute'] }) {
  const peak = Math.max(1, ...minutes.map((minute) => minute.count));
  const total = minutes.reduce((sum, minute) => sum + minute.count, 0);
  const last = minutes.at(-1)?.count ?? 0;
  return (
    <section className="admin-card" aria-labelledby="admin-refusals-title" data-testid="admin-refusals">
      <h2 id="admin-refusals-title">Refusals per minute</h2>
      <p className="admin-muted">
        {last} this minute · {total} in the last {minutes.length} minutes (rate limits, origins, wrong admin tokens)
      </p>
      <div className="admin-bars" role="img" aria-label={`Refusals per minute, last ${minutes.length} minutes; peak ${peak}`}>
        {minutes.map((minute) => (
          <span
            key={minute.minute}
            className="admin-bar"
            style={{ height: `${Math.round((minute.count / peak) * 100)}%` }}
            title={`${new Date(minute.minute).toLocaleTimeString()}: ${minute.count}`}
          />
        ))}
      </div>
    </section>
  );
}
