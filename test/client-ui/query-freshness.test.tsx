import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { act } from 'react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/shared/events.js';
import { renderScreens } from './support/render-screens.js';

afterEach(() => {
  cleanup();
  toast.remove();
});

async function openWorkspace() {
  const app = renderScreens();
  await waitFor(() => { expect(app.events.isSubscribed(app.session.sessionId)).toBe(true); });
  await waitFor(() => { expect(app.server.callsOf('files.list')).toBe(1); expect(app.server.callsOf('chat.list')).toBe(1); });
  const emit = (event: SessionEvent) => { act(() => { app.events.emit(app.session.sessionId, event); }); };
  return { ...app, emit };
}

describe('caches the session’s events keep current', () => {
  it('are not refetched when another component starts showing them, so an older snapshot cannot undo a later event', async () => {
    const { server, session, emit } = await openWorkspace();
    // The server's list still says "uploading": what a refetch would bring back.
    const file = server.addFile(session.sessionId, 'plan.txt', 'uploading');
    emit({ type: 'file.added', file });
    emit({ type: 'file.stored', file: { ...file, status: 'stored' } });
    // A message attaching the file mounts its chip, another reader of the files list.
    emit({ type: 'chat.message', message: server.addMessage(session.sessionId, 'see attached', [file.fileId]) });
    const chip = await within(screen.getByTestId('message-list')).findByRole('link', { name: /plan\.txt/ });
    expect(chip.getAttribute('download')).toBe('plan.txt');

    expect(server.callsOf('files.list')).toBe(1);
    const row = within(screen.getByTestId('file-list')).getByText('plan.txt').closest('li');
    expect(row?.getAttribute('data-status')).toBe('stored');
  });

  it('are still asked anew when the server says the tab missed events (resync)', async () => {
    const { server, session, emit } = await openWorkspace();
    server.addMessage(session.sessionId, 'said while away');
    server.addFile(session.sessionId, 'added-while-away.txt');
    emit({ type: 'session.resync', sessionId: session.sessionId, reason: 'history_trimmed' });
    await within(screen.getByTestId('message-list')).findByText('said while away');
    await within(screen.getByTestId('file-list')).findByText('added-while-away.txt');
    expect(server.callsOf('chat.list')).toBe(2);
    expect(server.callsOf('files.list')).toBe(2);
  });
});
