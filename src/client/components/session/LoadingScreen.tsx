/** Shown while the session is found or made: the workspace's outline, so the page does not jump. */
export function LoadingScreen() {
  return (
    <div className="workspace" aria-busy="true">
      <p className="visually-hidden" role="status">Opening your session…</p>
      <div className="panel skeleton skeleton-chat" aria-hidden="true" />
      <div className="panel skeleton skeleton-files" aria-hidden="true" />
    </div>
  );
}
