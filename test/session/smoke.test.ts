import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/test-app.js';
import { createTestClient } from '../support/trpc-client.js';
import { DATABASE_KINDS } from '../support/databases.js';

describe.each(DATABASE_KINDS)('smoke on %s', (kind) => {
  const t = useTestApp({ database: kind });

  it('generates a session and reads it back from the cookie', async () => {
    const { client } = createTestClient(t.url);
    const session = await client.session.generate.mutate();
    expect(await client.session.current.query()).toEqual(session);
  });
});
