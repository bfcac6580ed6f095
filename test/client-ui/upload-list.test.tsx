import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { act } from 'react';
import { toast } from 'react-hot-toast';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileView } from '../../src/shared/files.js';
import { renderScreens } from './support/render-screens.js';
import { toastTexts } from './support/render-app.js';
import { serveUploads } from './support/upload-route.js';

const LIMIT = 1000;

/** Answers of held uploads, by file name: the test decides when the server has taken the bytes. */
const held = new Map<string, (fileId: string) => void>();

/** The upload route on a real socket: 413 over the limit, 400 for a program, else `{ fileId }` once released. */
async function filesRoute(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) size += chunk.length;
  const name = url.searchParams.get('name') ?? '';
  const answer = (status: number, body: object) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (size > LIMIT) answer(413, { error: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413, message: `The file is larger than the ${LIMIT} bytes a file may have.` } });
  else if (name.endsWith('.exe')) answer(400, { error: { code: 'BAD_REQUEST', httpStatus: 400, message: 'Programs cannot be uploaded.' } });
  else held.set(name, (fileId) => { answer(201, { fileId }); });
}

const { requests, progress } = serveUploads(filesRoute);

afterEach(() => {
  cleanup();
  toast.remove();
});

async function pick(file: File) {
  const app = renderScreens();
  const picker = await screen.findByLabelText('Choose files');
  await app.user.upload(picker, file);
  return app;
}


describe('the upload list', () => {
  it('shows a progress bar that follows the upload’s own progress, then the file as the session lists it', async () => {
    const file = new File(['x'.repeat(400)], 'notes.txt', { type: 'text/plain' });
    const { events, session } = await pick(file);
    const bar = await screen.findByRole('progressbar', { name: 'Uploading notes.txt' });
    const request = requests.at(-1);
    expect(bar.getAttribute('value')).toBe('0');

    progress(request, 100, 400);
    expect(bar.getAttribute('value')).toBe('25');
    expect(screen.getByText('Uploading · 25% of 400 B')).toBeDefined();
    progress(request, 300, 400);
    expect(bar.getAttribute('value')).toBe('75');
    expect(screen.getByText('Uploading · 75% of 400 B')).toBeDefined();

    const fileId = randomUUID();
    await waitFor(() => { expect(held.has('notes.txt')).toBe(true); });
    held.get('notes.txt')?.(fileId);
    await screen.findByText('Checking…');
    expect(bar.getAttribute('value')).toBe('100');

    const listed: FileView = { fileId, sessionId: session.sessionId, name: 'notes.txt', contentType: 'text/plain', size: 400, sha256: null, status: 'stored', createdAt: new Date().toISOString(), failure: null, renamed: null };
    act(() => { events.emit(session.sessionId, { type: 'file.stored', file: listed }); });
    await waitFor(() => { expect(screen.queryByRole('progressbar', { name: 'Uploading notes.txt' })).toBeNull(); });
    const row = within(screen.getByTestId('file-list')).getByText('notes.txt').closest('li');
    expect(row?.getAttribute('data-status')).toBe('stored');
  });

  it.each([
    ['too large (413)', new File(['x'.repeat(LIMIT + 1)], 'big.bin'), `The file is larger than the ${LIMIT} bytes a file may have.`],
    ['refused (400)', new File(['MZ'], 'setup.exe'), 'Programs cannot be uploaded.'],
  ])('says in the list and in an announced toast why a file %s was not uploaded', async (_what, file, message) => {
    await pick(file);
    const alert = await within(screen.getByTestId('file-list')).findByRole('alert');
    expect(alert.textContent).toBe(message);
    expect(screen.queryByRole('progressbar', { name: `Uploading ${file.name}` })).toBeNull();
    await waitFor(() => { expect(toastTexts()).toContain(`${file.name} was not uploaded: ${message}`); });
    expect(screen.getByRole('button', { name: `Dismiss ${file.name}` })).toBeDefined();
  });
});
