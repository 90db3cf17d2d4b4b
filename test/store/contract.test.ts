// One contract, two backends: every case runs against the file store and against a
// real PostgreSQL, with two store instances standing for two processes (or daemons).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { FileStore } from '../../src/store/file-store.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { RunRecord } from '../../src/store/history.ts';
import type { MarkerRecord } from '../../src/store/run-markers.ts';
import type { Store } from '../../src/store/store.ts';
import { postgresForFile, startPostgres } from '../helpers/postgres.ts';
import { runRecord } from '../helpers/run-record.ts';
import { until } from '../helpers/wait.ts';

const LEASE_MS = 600;

interface Backend {
  /** Two stores on one place (two processes, two daemons), the same master key. */
  open(): Promise<{ a: Store; b: Store; raw: () => Promise<string> }>;
}

const server = postgresForFile();
const opened: Store[] = [];
const keep = <T extends Store>(s: T) => (opened.push(s), s);
const env = () => ({ DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') });

const backends: Record<string, Backend> = {
  file: {
    async open() {
      const state = await mkdtemp(join(tmpdir(), 'dropcron-store-'));
      const e = env();
      const settings = { state, historyLimit: 5 };
      const a = keep(new FileStore(settings, e));
      const b = keep(new FileStore(settings, e));
      const raw = async () => {
        const dir = join(state, 'vault');
        const files = await readdir(dir).catch(() => []);
        return (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
      };
      return { a, b, raw };
    },
  },
  postgres: {
    async open() {
      const url = await server().database();
      const e = env();
      const settings = { state: await mkdtemp(join(tmpdir(), 'dropcron-store-')), historyLimit: 5 };
      const make = () => keep(new PostgresStore({ ...settings, store: { postgres: url } }, e, { leaseMs: LEASE_MS }));
      const raw = async () => {
        const c = new pg.Client(url);
        await c.connect();
        try {
          const dump = await c.query('SELECT * FROM dropcron.vault');
          return JSON.stringify(dump.rows);
        } finally {
          await c.end();
        }
      };
      return { a: make(), b: make(), raw };
    },
  },
};

const run = runRecord;

/** A run's record while it runs (what a marker holds). */
const started = (job: string): MarkerRecord => {
  const { endedAt: _endedAt, durationMs: _durationMs, outcome: _outcome, ...soFar } = run(job);
  return soFar;
};

afterAll(async () => {
  for (const s of opened) await s.close().catch(() => {});
});

describe.each(Object.keys(backends))('the %s store', (name) => {
  const backend = backends[name]!;

  it('keeps history newest first, trims to the limit, counts a run id once', async () => {
    const { a, b } = await backend.open();
    await Promise.all([a.start(), b.start()]);
    const ids = Array.from({ length: 7 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);
    for (const id of ids) await (Number(id.at(-1)) % 2 ? a : b).history.append(run('nightly', id));
    await a.history.append(run('nightly', ids[6]!));
    await a.history.append(run('other'));
    expect((await b.history.list('nightly')).map((r) => r.id)).toEqual(ids.slice(2).reverse());
    expect((await a.history.list('nightly', 2)).map((r) => r.id)).toEqual([ids[6], ids[5]]);
    expect(await a.history.list('never-ran')).toEqual([]);
    await expect(a.history.list('../etc')).rejects.toThrow("'../etc' is not a valid job name");
  });

  it('seals vault secrets: only ciphertext is stored, two writers lose nothing', async () => {
    const { a, b, raw } = await backend.open();
    const [va, vb] = await Promise.all([a.vault(), b.vault()]);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? va : vb).update('work', { secrets: { [`k${i}`]: `secret-${i}` } })),
    );
    await va.update('work', { state: { account: 'sandy' } });
    expect((await vb.secretNames('work')).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`).sort());
    expect(await vb.secret('work', 'k3')).toBe('secret-3');
    expect(await vb.state('work')).toEqual({ account: 'sandy' });
    const stored = await raw();
    expect(stored).toContain('sandy');
    expect(stored).not.toContain('secret-');
    expect(await vb.forget('work')).toBe(true);
    expect(await va.forget('work')).toBe(false);
    expect(await va.secretNames('work')).toEqual([]);
  });

  it('keeps the fire times of each job, and forgets a removed job', async () => {
    const { a, b } = await backend.open();
    const t = { schedule: '*/2 * * * * *', timezone: 'UTC', nextScheduledAt: '2026-01-01T00:00:02.000Z' };
    await a.fireTimes.save({ one: t, two: { ...t, schedule: '0 2 * * *' } });
    expect(await b.fireTimes.load()).toEqual({ one: t, two: { ...t, schedule: '0 2 * * *' } });
    await b.fireTimes.save({ two: t });
    expect(await a.fireTimes.load()).toEqual({ two: t });
  });

  it('keeps checkpoint areas: each key once, apart by namespace, seen by the other store', async () => {
    const { a, b } = await backend.open();
    const [x, y, other] = [a.checkpoints('upload-sessions'), b.checkpoints('upload-sessions'), b.checkpoints('other')];
    expect(await x.get('k1')).toBeUndefined();
    await x.put('k1', '{"offset": 4}\n');
    await y.put('k2', 'two');
    await y.put('k1', '{"offset": 8}\n');
    await other.put('k1', 'elsewhere');
    expect(await x.get('k1')).toBe('{"offset": 8}\n');
    expect((await x.list()).sort((p, q) => p.key.localeCompare(q.key))).toEqual([
      { key: 'k1', value: '{"offset": 8}\n' },
      { key: 'k2', value: 'two' },
    ]);
    expect(await y.delete('k1')).toBe(true);
    expect(await x.delete('k1')).toBe(false);
    expect(await x.list()).toEqual([{ key: 'k2', value: 'two' }]);
    expect(await other.list()).toEqual([{ key: 'k1', value: 'elsewhere' }]);
    await expect(x.put('../escape', 'x')).rejects.toThrow("'../escape' is not a valid checkpoint key");
    expect(() => a.checkpoints('a/b')).toThrow("'a/b' is not a valid checkpoint namespace");
  });

  it('lets one holder at a time have a lock, across both stores; other keys do not wait', async () => {
    const { a, b } = await backend.open();
    const held: string[] = [];
    let inside = 0;
    let most = 0;
    const hold = (store: Store, key: string, who: string) =>
      store.withLock(key, 5_000, async () => {
        most = Math.max(most, ++inside);
        held.push(who);
        await new Promise((r) => setTimeout(r, 30));
        inside--;
        return who;
      });
    const results = await Promise.all([hold(a, 'k', 'a1'), hold(b, 'k', 'b1'), hold(a, 'k', 'a2'), hold(b, 'k', 'b2')]);
    expect(results).toEqual(['a1', 'b1', 'a2', 'b2']);
    expect(most).toBe(1);
    expect(held.sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
    // A failing holder releases the lock too.
    await expect(a.withLock('k', 5_000, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    // Another key is not held up by a holder of k.
    let release!: () => void;
    const long = a.withLock('k', 5_000, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.withLock('other', 5_000, async () => 'free')).toBe('free');
    release();
    await long;
    await expect(a.withLock('../k', 5_000, async () => 1)).rejects.toThrow("'../k' is not a valid lock key");
  });

  it('records a run whose runner died as interrupted, once, with its finished tasks', async () => {
    const { a, b } = await backend.open();
    await b.start();
    const soFar = started('nightly');
    const task = { type: 'upload', counts: { uploaded: 2 }, bytes: 10, actions: 2, warnings: [] };
    await a.markers.write({ ...soFar, tasks: [task] });
    // Its own runs are alive to the store that runs them, whatever a pid says.
    expect(await a.recoverInterrupted()).toEqual([]);
    await a.close(); // the runner is gone: no more heartbeats
    let found: RunRecord[] = [];
    const deadline = Date.now() + 20 * LEASE_MS;
    while (!found.length && Date.now() < deadline) {
      found = await b.recoverInterrupted();
      if (!found.length) await new Promise((r) => setTimeout(r, LEASE_MS / 4));
    }
    expect(found.map((r) => [r.id, r.outcome, r.code])).toEqual([[soFar.id, 'interrupted', 'DC_INTERRUPTED']]);
    expect(await b.recoverInterrupted()).toEqual([]);
    const [kept] = await b.history.list('nightly');
    expect(kept).toMatchObject({ id: soFar.id, outcome: 'interrupted', tasks: [task] });
  });
});

describe.each(Object.keys(backends))('the %s store releasing a lease', (name) => {
  it('gives the job back without a history record, and frees only the run it names', async () => {
    const { a, b } = await backends[name]!.open();
    await Promise.all([a.start(), b.start()]);
    expect(await a.claim({ job: 'inbox', runId: 'first' })).toEqual({ outcome: 'run' });
    // Another run's id frees nothing (a claim that came late must not free the holder's).
    await b.release('inbox', 'someone-else');
    if (name === 'postgres')
      expect(await b.claim({ job: 'inbox', runId: 'second' })).toEqual({ outcome: 'busy', runningId: 'first' });
    await a.release('inbox', 'first');
    expect(await b.claim({ job: 'inbox', runId: 'second' })).toEqual({ outcome: 'run' });
    expect(await a.history.list('inbox')).toEqual([]);
    expect(await b.history.list('inbox')).toEqual([]);
  });
});

describe('the file store', () => {
  it('grants every claim: one daemon per state directory', async () => {
    const { a } = await backends.file!.open();
    const slot = new Date();
    expect(await a.claim({ job: 'j', runId: '1', slot })).toEqual({ outcome: 'run' });
    expect(await a.claim({ job: 'j', runId: '2', slot })).toEqual({ outcome: 'run' });
  });
});

describe('the postgres store in a cluster', () => {
  it("takes over a lock whose holder died once its time is up, and the dead holder's release frees nothing", async () => {
    const { a, b } = await backends.postgres!.open();
    let release: (() => void) | undefined;
    let aTookAt = 0;
    const dead = a.withLock('k', 300, () => {
      aTookAt = Date.now();
      return new Promise<void>((r) => (release = r));
    });
    await until(async () => release !== undefined, 'a to take the lock');
    let bInside: (() => void) | undefined;
    let bTookAt = 0;
    const taken = b.withLock('k', 5_000, () => {
      bTookAt = Date.now();
      return new Promise<void>((r) => (bInside = r));
    });
    await until(async () => bInside !== undefined, 'b to take the lapsed lock');
    // Not before a's 300 ms were up (less the moment between a's insert and its callback).
    expect(bTookAt - aTookAt).toBeGreaterThanOrEqual(200);
    release!();
    await dead; // its release must not free b's lock
    let cInside = false;
    const c = a.withLock('k', 5_000, async () => (cInside = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(cInside).toBe(false);
    bInside!();
    await taken;
    await c;
    expect(cInside).toBe(true);
  });

  it('keeps the run of a daemon that beats its heartbeat', async () => {
    const { a, b } = await backends.postgres!.open();
    await Promise.all([a.start(), b.start()]);
    const soFar = started('nightly');
    await a.markers.write({ ...soFar, tasks: [] });
    await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
    expect(await b.recoverInterrupted()).toEqual([]);
  });

  it('grants each slot to one daemon, and the job to one run at a time until released or lost', async () => {
    const { a, b } = await backends.postgres!.open();
    const slot = new Date('2026-01-01T00:00:02.000Z');
    const [x, y] = await Promise.all([
      a.claim({ job: 'nightly', runId: 'run-a', slot }),
      b.claim({ job: 'nightly', runId: 'run-b', slot }),
    ]);
    expect([x.outcome, y.outcome].sort()).toEqual(['run', 'taken']);
    const holder = x.outcome === 'run' ? 'run-a' : 'run-b';
    // Asked again (overlap: queue polls), the owner keeps what it has.
    expect(await a.claim({ job: 'nightly', runId: holder })).toEqual({ outcome: 'run' });
    expect(await b.claim({ job: 'nightly', runId: 'manual' })).toEqual({ outcome: 'busy', runningId: holder });
    expect(await b.claim({ job: 'other', runId: 'manual' })).toEqual({ outcome: 'run' });
    const next = new Date('2026-01-01T00:00:04.000Z');
    expect(await b.claim({ job: 'nightly', runId: 'skip', slot: next, lease: false })).toEqual({ outcome: 'run' });
    expect(await a.claim({ job: 'nightly', runId: 'late', slot: next })).toEqual({ outcome: 'taken' });
    expect(await a.finishRun(run('nightly', holder), true)).toBe(true);
    expect(await b.claim({ job: 'nightly', runId: 'manual' })).toEqual({ outcome: 'run' });
    await b.close(); // b dies holding the lease: it lapses after LEASE_MS without heartbeats
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
    expect(await a.claim({ job: 'nightly', runId: 'after' })).toEqual({ outcome: 'run' });
  });

  it('fences a run whose lease another daemon took over: its result is not recorded', async () => {
    const { a, b } = await backends.postgres!.open();
    await b.start(); // a never beats: it stands for a daemon cut off from the database
    expect(await a.claim({ job: 'nightly', runId: 'cut-off' })).toEqual({ outcome: 'run' });
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
    expect(await b.claim({ job: 'nightly', runId: 'took-over' })).toEqual({ outcome: 'run' });
    expect(await a.finishRun(run('nightly', 'cut-off'), true)).toBe(false);
    expect(await b.finishRun(run('nightly', 'took-over'), true)).toBe(true);
    const byId = Object.fromEntries((await b.history.list('nightly')).map((r) => [r.id, r.outcome]));
    expect(byId).toMatchObject({ 'cut-off': 'interrupted', 'took-over': 'success' });
  });

  it('stops claiming and says why in its health when the database is gone', async () => {
    const own = await startPostgres();
    try {
      const url = await own.database();
      const state = await mkdtemp(join(tmpdir(), 'dropcron-store-'));
      const store = keep(
        new PostgresStore({ state, historyLimit: 5, store: { postgres: url } }, env(), { leaseMs: LEASE_MS }),
      );
      await store.start();
      expect(store.health()).toEqual({ kind: 'postgres', ok: true });
      await own.stop();
      await until(() => !store.health().ok, 'the store to notice', 20 * LEASE_MS);
      expect(store.health().error).toMatch(
        /^the database is unreachable \(.+\) and this daemon's last heartbeat was \d+ s ago$/,
      );
      await expect(store.claim({ job: 'j', runId: 'r' })).rejects.toThrow(
        /^not claiming runs: the database is unreachable/,
      );
    } finally {
      await own.stop();
    }
  });

  it('refuses a daemon whose master key differs from the cluster', async () => {
    const url = await server().database();
    const state = await mkdtemp(join(tmpdir(), 'dropcron-store-'));
    const settings = { state, historyLimit: 5, store: { postgres: url } };
    const first = keep(new PostgresStore(settings, env()));
    const second = keep(new PostgresStore(settings, env()));
    await first.start();
    await expect(second.start()).rejects.toThrow(/give every daemon the same DROPCRON_MASTER_KEY/);
  });

  it('migrates once when daemons start together, and refuses a newer schema', async () => {
    const url = await server().database();
    const state = await mkdtemp(join(tmpdir(), 'dropcron-store-'));
    const settings = { state, historyLimit: 5, store: { postgres: url } };
    const e = env();
    const stores = Array.from({ length: 4 }, () => keep(new PostgresStore(settings, e)));
    await Promise.all(stores.map((s) => s.start()));
    const c = new pg.Client(url);
    await c.connect();
    try {
      await c.query('UPDATE dropcron.schema_version SET version = version + 1');
    } finally {
      await c.end();
    }
    await expect(keep(new PostgresStore(settings, e)).start()).rejects.toThrow(/newer than this dropcron knows/);
  });
});
