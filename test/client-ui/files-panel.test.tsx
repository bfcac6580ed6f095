import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WAITING_FOR_CONNECTION } from '../../src/client/components/files/UploadsProvider.js';
import { FILE_LOST } from '../../src/client/components/files/failed-uploads-store.js';
import type { FileView } from '../../src/shared/files.js';
import { newScreensBrowser, renderScreens, type ScreensBrowser } from './support/render-screens.js';
import { toastTexts } from './support/render-app.js';
import { serveUploads } from './support/upload-route.js';

/**
 * The upload route on a real socket. By name: `drop-*` loses its first request (the connection
 * breaks, as when the network drops) and takes the next; `hold-*` waits for the test to answer;
 * anything else is taken at once.
 */
const dropped = new Set<string>();
const held = new Map<string, (fileId: string) => void>();
const received: string[] = [];

async function filesRoute(req: IncomingMessage, res: ServerResponse) {
  const name = new URL(req.url ?? '/', 'http://localhost').searchParams.get('name') ?? '';
  if (name.startsWith('drop-') && !dropped.has(name)) {
    dropped.add(name);
    req.socket.destroy();
    return;
  }
  await new Promise((resolve) => { req.resume().once('end', resolve); });
  received.push(name);
  const answer = (fileId: string) => {
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ fileId }));
  };
  if (name.startsWith('hold-')) held.set(name, answer);
  else answer(randomUUID());
}

const { requests, progress } = serveUploads(filesRoute);

afterEach(() => {
  cleanup();
  toast.remove();
  vi.useRealTimers();
  sessionStorage.clear();
  localStorage.clear();
});

/** One tab of the app; `browser` makes it another tab of that browser. */
async function openTab(browser?: ScreensBrowser) {
  const app = renderScreens({ browser });
  const tab = within(app.container);
  await tab.findByText('Choose files');
  // Connected first: a connection coming up sends waiting uploads again, which some tests wait for.
  await waitFor(() => { expect(tab.getByTestId('connection-status').textContent).toBe('connected'); });
  return { ...app, tab, list: () => within(tab.getByTestId('file-list')) };
}

function file(view: Partial<FileView> & Pick<FileView, 'name' | 'sessionId'>): FileView {
  return { fileId: randomUUID(), contentType: 'text/plain', size: 3, sha256: null, status: 'stored', createdAt: new Date().toISOString(), failure: null, renamed: null, ...view };
}


describe('retrying a failed upload', () => {
  it('sends it again from its row', async () => {
    const { tab, user, list } = await openTab();
    await user.upload(tab.getByLabelText('Choose files'), new File(['x'.repeat(50)], 'drop-retry.txt', { type: 'text/plain' }));
    expect((await list().findByRole('alert')).textContent).toBe(WAITING_FOR_CONNECTION);

    await user.click(list().getByRole('button', { name: 'Retry drop-retry.txt' }));
    await list().findByText('Checking…');
    expect(received.filter((name) => name === 'drop-retry.txt')).toHaveLength(1);
  });

  it('sends it again by itself once the browser is back online', async () => {
    const { tab, user, list } = await openTab();
    await user.upload(tab.getByLabelText('Choose files'), new File(['x'.repeat(50)], 'drop-online.txt', { type: 'text/plain' }));
    await list().findByRole('alert');

    act(() => { window.dispatchEvent(new Event('online')); });
    await list().findByText('Checking…');
    expect(received.filter((name) => name === 'drop-online.txt')).toHaveLength(1);
  });

  it('sends it again by itself once the live connection is back (it was lost meanwhile)', async () => {
    const { tab, user, list, events, session } = await openTab();
    act(() => { events.end(session.sessionId, { kind: 'interrupted', message: 'The connection dropped.' }); });
    await user.upload(tab.getByLabelText('Choose files'), new File(['x'.repeat(50)], 'drop-reconnect.txt', { type: 'text/plain' }));
    await list().findByRole('alert');
    // The tab reconnects after its backoff (at most a second for the first try).
    await list().findByText('Checking…', {}, { timeout: 3000 });
    expect(received.filter((name) => name === 'drop-reconnect.txt')).toHaveLength(1);
  });

  it('keeps a failed upload across a reload, and asks for its file again', async () => {
    const browser = newScreensBrowser();
    const first = await openTab(browser);
    await first.user.upload(first.tab.getByLabelText('Choose files'), new File(['x'.repeat(50)], 'drop-reload.txt', { type: 'text/plain' }));
    await first.list().findByRole('alert');
    first.unmount();

    const second = await openTab(browser);
    expect((await second.list().findByRole('alert')).textContent).toBe(FILE_LOST);
    expect(second.list().queryByRole('button', { name: 'Retry drop-reload.txt' })).toBeNull();
    await second.user.upload(second.list().getByLabelText('Choose again'), new File(['x'.repeat(50)], 'drop-reload.txt', { type: 'text/plain' }));
    await second.list().findByText('Checking…');
    expect(received.filter((name) => name === 'drop-reload.txt')).toHaveLength(1);
  });
});

describe('uploads in every tab', () => {
  it('shows another tab’s upload with its progress, until the session lists the file', async () => {
    const browser = newScreensBrowser();
    const one = await openTab(browser);
    const two = await openTab(browser);
    await one.user.upload(one.tab.getByLabelText('Choose files'), new File(['x'.repeat(400)], 'hold-shared.txt', { type: 'text/plain' }));
    const request = requests.at(-1);

    progress(request, 100, 400);
    const bar = await two.list().findByRole('progressbar', { name: 'Uploading hold-shared.txt' });
    await waitFor(() => { expect(bar.getAttribute('value')).toBe('25'); });
    expect(two.list().getByText('Uploading in another tab · 25% of 400 B')).toBeDefined();
    progress(request, 300, 400);
    await two.list().findByText('Uploading in another tab · 75% of 400 B');

    await waitFor(() => { expect(held.has('hold-shared.txt')).toBe(true); });
    const fileId = randomUUID();
    held.get('hold-shared.txt')?.(fileId);
    await two.list().findByText('Checking…');

    act(() => { one.events.emit(one.session.sessionId, { type: 'file.added', file: file({ fileId, sessionId: one.session.sessionId, name: 'hold-shared.txt', status: 'uploading' }) }); });
    await waitFor(() => { expect(two.list().queryByRole('progressbar', { name: 'Uploading hold-shared.txt' })).toBeNull(); });
    expect(two.list().getByText('hold-shared.txt').closest('li')?.getAttribute('data-status')).toBe('uploading');
  });

  it('shows a tab opened later what the others are uploading, and passes its Retry to the tab that holds the file', async () => {
    const browser = newScreensBrowser();
    const one = await openTab(browser);
    await one.user.upload(one.tab.getByLabelText('Choose files'), new File(['x'.repeat(50)], 'drop-other.txt', { type: 'text/plain' }));
    await one.list().findByRole('alert');

    const two = await openTab(browser);
    await two.list().findByText(WAITING_FOR_CONNECTION);
    await two.user.click(two.list().getByRole('button', { name: 'Retry drop-other.txt' }));
    await one.list().findByText('Checking…');
    await two.list().findByText('Checking…');
    expect(received.filter((name) => name === 'drop-other.txt')).toHaveLength(1);
  });
});

describe('refused files', () => {
  it('are notices with their reason, not rows or counted files, and a dismissal holds in every tab and after a reload', async () => {
    const browser = newScreensBrowser();
    const sessionId = browser.storage.read() ?? '';
    browser.server.addFile(sessionId, 'a.txt');
    browser.server.addFile(sessionId, 'b.txt');
    browser.server.addFile(sessionId, 'big.exe', 'failed', {
      failure: { code: 'executable', reason: 'Programs cannot be shared here: this file is a Windows program (PE), whatever its name says.' },
    });
    browser.server.addFile(sessionId, 'half.bin', 'failed', { failure: { code: 'client_aborted', reason: 'The upload was interrupted before the whole file arrived. Please send it again.' } });
    const one = await openTab(browser);
    const two = await openTab(browser);

    const notices = await one.tab.findByTestId('file-refusals');
    expect([...notices.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'big.exe was refused. Programs cannot be shared here: this file is a Windows program (PE), whatever its name says.',
      'half.bin was not kept. The upload was interrupted before the whole file arrived. Please send it again.',
    ]);
    expect(one.list().getAllByRole('listitem').map((li) => li.querySelector('.file-name')?.textContent).sort()).toEqual(['a.txt', 'b.txt']);
    // The panel's header and the phone layout's switch both count the kept files.
    expect(one.tab.getAllByText('2', { selector: '.count-badge' })).toHaveLength(2);

    // The second tab shows both notices before the first dismisses one: its disappearing then means something.
    await two.tab.findByRole('button', { name: 'Dismiss the notice about big.exe' });
    await one.user.click(one.tab.getByRole('button', { name: 'Dismiss the notice about big.exe' }));
    await waitFor(() => { expect(two.tab.queryByRole('button', { name: 'Dismiss the notice about big.exe' })).toBeNull(); });
    expect(two.tab.getByRole('button', { name: 'Dismiss the notice about half.bin' })).toBeDefined();

    one.unmount();
    two.unmount();
    const reloaded = await openTab(browser);
    await reloaded.tab.findByRole('button', { name: 'Dismiss the notice about half.bin' });
    expect(reloaded.tab.queryByRole('button', { name: 'Dismiss the notice about big.exe' })).toBeNull();
  });
});

describe('a stored file’s row', () => {
  it('says why the file was renamed', async () => {
    const browser = newScreensBrowser();
    const sessionId = browser.storage.read() ?? '';
    browser.server.addFile(sessionId, 'big-video.bin', 'stored', {
      contentType: 'application/octet-stream',
      renamed: { from: 'big-video.mp4', because: 'its bytes are not .mp4 or any other type recognised here, so it is kept as .bin, which opens nothing by itself.' },
    });
    const { list } = await openTab(browser);
    const row = (await list().findByText('big-video.bin')).closest('li');
    expect(row?.querySelector('.file-renamed')?.textContent).toBe(
      'Renamed from big-video.mp4: its bytes are not .mp4 or any other type recognised here, so it is kept as .bin, which opens nothing by itself.',
    );
  });

  it('shows a thumbnail of a stored raster image from the app’s own origin, and the file icon for anything else', async () => {
    const browser = newScreensBrowser();
    const sessionId = browser.storage.read() ?? '';
    const photo = browser.server.addFile(sessionId, 'photo.png', 'stored', { contentType: 'image/png' });
    browser.server.addFile(sessionId, 'logo.txt', 'stored', { contentType: 'text/plain; charset=utf-8' });
    browser.server.addFile(sessionId, 'checking.png', 'uploading', { contentType: 'application/octet-stream' });
    const { list } = await openTab(browser);
    const thumbnail = (await list().findByText('photo.png')).closest('li')?.querySelector('img');
    expect(thumbnail?.getAttribute('src')).toBe(`/api/files/${photo.fileId}?inline=1`);
    expect(thumbnail?.getAttribute('alt')).toBe('');
    expect(list().getByText('logo.txt').closest('li')?.querySelector('img')).toBeNull();
    expect(list().getByText('checking.png').closest('li')?.querySelector('img')).toBeNull();
  });
});

describe('removing a file', () => {
  async function twoTabsWithAFile() {
    const browser = newScreensBrowser();
    const sessionId = browser.storage.read() ?? '';
    const photo = browser.server.addFile(sessionId, 'x.png');
    const one = await openTab(browser);
    const two = await openTab(browser);
    await one.list().findByText('x.png');
    await two.list().findByText('x.png');
    return { browser, photo, one, two };
  }

  it('hides it in every tab at once, and Undo within the window keeps it: nothing is removed', async () => {
    const { browser, one, two } = await twoTabsWithAFile();
    vi.useFakeTimers({ shouldAdvanceTime: true });
    fireEvent.click(one.list().getByRole('button', { name: 'Remove x.png' }));
    await waitFor(() => { expect(one.list().queryByText('x.png')).toBeNull(); expect(two.list().queryByText('x.png')).toBeNull(); });
    await waitFor(() => { expect(toastTexts().some((text) => text.startsWith('Removed x.png'))).toBe(true); });

    const [undo] = screen.getAllByRole('button', { name: 'Undo' });
    if (!undo) throw new Error('no Undo button');
    fireEvent.click(undo);
    await one.list().findByText('x.png');
    await two.list().findByText('x.png');
    act(() => { vi.advanceTimersByTime(30_000); });
    expect(browser.server.callsOf('files.remove')).toBe(0);
    expect(one.list().getByText('x.png')).toBeDefined();
  });

  it('removes it once the Undo window has passed', async () => {
    const { browser, one, two } = await twoTabsWithAFile();
    vi.useFakeTimers({ shouldAdvanceTime: true });
    fireEvent.click(one.list().getByRole('button', { name: 'Remove x.png' }));
    await waitFor(() => { expect(two.list().queryByText('x.png')).toBeNull(); });
    expect(browser.server.callsOf('files.remove')).toBe(0);

    act(() => { vi.advanceTimersByTime(6000); });
    await waitFor(() => { expect(browser.server.callsOf('files.remove')).toBe(1); });
    expect(browser.server.files.get(browser.storage.read() ?? '')).toEqual([]);
    expect(one.list().queryByText('x.png')).toBeNull();
  });

  it('removes it at once when the tab it was removed in goes away before the window ends', async () => {
    const { browser, one } = await twoTabsWithAFile();
    fireEvent.click(one.list().getByRole('button', { name: 'Remove x.png' }));
    await waitFor(() => { expect(one.list().queryByText('x.png')).toBeNull(); });
    expect(browser.server.callsOf('files.remove')).toBe(0);
    act(() => { window.dispatchEvent(new Event('pagehide')); });
    await waitFor(() => { expect(browser.server.callsOf('files.remove')).toBe(1); });
  });

  it('brings the file back, and says so, when the removal fails (fault injected: a 500 on files.remove)', async () => {
    const { browser, one, two } = await twoTabsWithAFile();
    browser.server.failNext('files.remove', { code: 'INTERNAL_SERVER_ERROR', message: 'The store is away.' });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    fireEvent.click(one.list().getByRole('button', { name: 'Remove x.png' }));
    await waitFor(() => { expect(two.list().queryByText('x.png')).toBeNull(); });
    act(() => { vi.advanceTimersByTime(6000); });
    await waitFor(() => { expect(toastTexts()).toContain('x.png was not removed: The store is away.'); });
    await one.list().findByText('x.png');
    await two.list().findByText('x.png');
  });
});

describe('the drop zone', () => {
  it('takes files dropped anywhere on the page, and shrinks to one line once there are files', async () => {
    const { tab, list } = await openTab();
    expect(tab.getByText('Choose files').closest('.drop-zone')?.classList.contains('drop-zone-compact')).toBe(false);
    const dropped = new File(['dropped'], 'dropped-anywhere.txt', { type: 'text/plain' });
    const dataTransfer = { types: ['Files'], files: [dropped], dropEffect: 'none' };
    fireEvent.dragEnter(document.body, { dataTransfer });
    expect(screen.getByText('Drop to upload')).toBeDefined();
    fireEvent.drop(document.body, { dataTransfer });
    expect(screen.queryByText('Drop to upload')).toBeNull();
    await list().findByText('Checking…');
    expect(received).toContain('dropped-anywhere.txt');
    expect(tab.getByText('Choose files').closest('.drop-zone')?.classList.contains('drop-zone-compact')).toBe(true);
  });
});
