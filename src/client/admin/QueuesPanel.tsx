import type { AdminOverview } from '../../shared/admin.js';

/** Queue depths and the latest failed jobs, with the way to the full dashboard. */
export function QueuesPanel({ overview }: { overview: AdminOverview }) {
  return (
    <section className="admin-card" aria-labelledby="admin-queues-title" data-testid="admin-queues">
      <div className="admin-card-head">
        <h2 id="admin-queues-title">Queues</h2>
        {/* The dashboard asks for the token again: the browser's own prompt (the user name is not checked). */}
        <a className="admin-link" href={overview.dashboardPath} target="_blank" rel="noreferrer" data-testid="admin-dashboard-link">
          Open the queue dashboard
        </a>
      </div>
      <table className="admin-table">
        <thead>
          <tr><th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Active</th><th scope="col">Delayed</th><th scope="col">Failed</th></tr>
        </thead>
        <tbody>
          {overview.queues.map((queue) => (
            <tr key={queue.name}>
              <th scope="row">{queue.name}</th>
              <td>{queue.waiting}</td>
              <td>{queue.active}</td>
              <td>{queue.delayed}</td>
              <td className={queue.failed > 0 ? 'admin-bad' : undefined}>{queue.failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Failed jobs</h3>
      {overview.failedJobs.length === 0 ? (
        <p className="admin-muted">No failed jobs.</p>
      ) : (
        <ul className="admin-failures">
          {overview.failedJobs.map((job) => (
            <li key={`${job.queue}:${job.id}`}>
              <code>{job.queue}</code> #{job.id} after {job.attempts} attempt{job.attempts === 1 ? '' : 's'}
              {job.failedAt && <> · {new Date(job.failedAt).toLocaleString()}</>}
              <div className="admin-muted">{job.reason}</div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
