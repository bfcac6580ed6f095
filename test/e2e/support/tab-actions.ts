import type { Page } from 'playwright-core';

type ConnectionStatus = 'connected' | 'connecting' | 'offline';

/** Long enough for a reconnect after a server restart (its backoff grows to several seconds). */
const SYNC_TIMEOUT_MS = 20_000;

/** Waits until the page shows the connection state (polled: the test never sleeps). */
export async function waitForConnection(page: Page, status: ConnectionStatus): Promise<void> {
  try {
    await page.waitForFunction(
      (expected) => document.querySelector('[data-testid="connection-status"]')?.textContent === expected,
      status,
      { polling: 100, timeout: SYNC_TIMEOUT_MS },
    );
  } catch (error) {
    // Say what the page showed instead, so that a failure in CI can be read from its report.
    const shown = await page
      .evaluate(() => document.querySelector('[data-testid="connection-status"]')?.textContent ?? '(no connection status)')
      .catch(() => '(the page did not answer)');
    throw new Error(`The page did not show "${status}" within ${SYNC_TIMEOUT_MS} ms; it shows "${shown}".`, { cause: error });
  }
}

/**
 * The session id the page holds, once it has one: in the session menu, which need not be open
 * (the id is in the page, hidden, while it is closed).
 */
export async function sessionIdOf(page: Page): Promise<string> {
  const id = page.getByTestId('session-id');
  await id.waitFor({ state: 'attached', timeout: SYNC_TIMEOUT_MS });
  return (await id.textContent()) ?? '';
}

/** Opens the session menu (the id, its copy button and the reset) unless it is open. */
export async function openSessionMenu(page: Page): Promise<void> {
  const toggle = page.getByRole('button', { name: 'Session', exact: true });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.getByTestId('reset-button').waitFor();
}

/** Waits until the page shows a session other than `previous`, and returns it. */
export async function waitForNewSession(page: Page, previous: string): Promise<string> {
  await page.waitForFunction(
    (old) => {
      const shown = document.querySelector('[data-testid="session-id"]')?.textContent;
      return shown !== undefined && shown !== '' && shown !== old;
    },
    previous,
    { polling: 100, timeout: SYNC_TIMEOUT_MS },
  );
  return sessionIdOf(page);
}

/** Types a message and sends it with Enter, as a person does. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('chat-input');
  await input.fill(text);
  await input.press('Enter');
}

/** Waits until the conversation shows a message with this text. */
/**
 * Waits until the conversation shows the message as stored by the server. A message still in the
 * outbox (pending or refused) does not count: every tab of the browser shows those at once from
 * storage, which proves nothing about delivery.
 */
export async function waitForMessage(page: Page, text: string): Promise<void> {
  await page
    .getByTestId('message-list')
    .locator('li.message:not(.message-pending):not(.message-failed) .message-text', { hasText: text })
    .first()
    .waitFor({ timeout: SYNC_TIMEOUT_MS });
}

/** Waits until the files list shows the file in the given state (`stored`, `uploading`, `failed`). */
export async function waitForFile(page: Page, name: string, status: string): Promise<void> {
  await page.getByTestId('file-list').locator(`li[data-status="${status}"]`, { hasText: name }).waitFor({ timeout: SYNC_TIMEOUT_MS });
}
