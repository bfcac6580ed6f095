import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectStore } from '../../src/server/storage/create-object-store.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { HookedStore } from '../support/store-wrappers.js';

/** /readyz asks the database, Redis and the object store: the store is the one counted here, through a wrapper of the real one. */
describe('/readyz is throttled', () => {
  let database: TestDatabase;
  let t: TestApp;
  let pings = 0;
  let storeDown = false;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const storage = new HookedStore(createObjectStore({ s3: undefined, dataDir: database.dataDir }), (operation) => {
      if (operation !== 'ping') return;
      pings += 1;
      if (storeDown) throw new Error('injected: the object store does not answer');
    });
    t = await startTestApp({ sharedDatabase: database, overrides: { storage } });
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  const readyz = async () => {
    const response = await fetch(`${t.url}/readyz`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it('asks the dependencies once for many hits at once and for those that follow within a second', async () => {
    const before = pings;
    // The check starts after this, so its result is answered again until a second after it at least.
    const first = Date.now();
    const together = await Promise.all(Array.from({ length: 50 }, readyz));
    expect(together.map((answer) => answer.status)).toEqual(together.map(() => 200));
    while (Date.now() - first < 800) expect((await readyz()).status).toBe(200);
    expect(pings - before).toBe(1);
  });

  it('asks again about once a second under a steady stream of hits', async () => {
    const before = pings;
    const started = Date.now();
    while (Date.now() - started < 2500) await readyz();
    expect(pings - before).toBeGreaterThanOrEqual(2);
    expect(pings - before).toBeLessThanOrEqual(4);
  });

  it('reports a dependency that fails within about a second (with an injected store fault)', async () => {
    expect((await readyz()).status).toBe(200);
    storeDown = true;
    try {
      const failed = Date.now();
      let answer = await readyz();
      while (answer.status === 200 && Date.now() - failed < 3000) answer = await readyz();
      expect(Date.now() - failed).toBeLessThan(1500);
      expect(answer).toEqual({ status: 503, body: { status: 'not_ready', checks: { database: 'ok', redis: 'ok', objectStore: 'unavailable' } } });
    } finally {
      storeDown = false;
    }
  });
});
