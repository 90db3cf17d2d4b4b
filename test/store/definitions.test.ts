// The definitions contract, on both stores: the YAML text kept verbatim, compare-and-set
// on the version a change was based on (all of a change set or none), deletes, and a
// revision that moves on every change. Two store instances stand for two daemons.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../../src/store/file-store.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { StaleDefinitionError } from '../../src/store/definitions.ts';
import type { Store } from '../../src/store/store.ts';
import { postgresForFile } from '../helpers/postgres.ts';

const server = postgresForFile();
const opened: Store[] = [];
const env = () => ({ DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') });

const backends: Record<string, () => Promise<{ a: Store; b: Store }>> = {
  async file() {
    const dir = await mkdtemp(join(tmpdir(), 'dropcron-defs-'));
    const settings = {
      state: join(dir, 'state'),
      historyLimit: 5,
      connections: join(dir, 'connections'),
      jobs: join(dir, 'jobs'),
    };
    const e = env();
    return { a: new FileStore(settings, e), b: new FileStore(settings, e) };
  },
  async postgres() {
    const url = await server().database();
    const settings = {
      state: await mkdtemp(join(tmpdir(), 'dropcron-defs-')),
      historyLimit: 5,
      store: { postgres: url },
    };
    const e = env();
    return { a: new PostgresStore(settings, e), b: new PostgresStore(settings, e) };
  },
};

const open = async (name: string) => {
  const pair = await backends[name]!();
  opened.push(pair.a, pair.b);
  return pair;
};

afterAll(async () => {
  for (const s of opened) await s.close().catch(() => {});
});

const TEXT = '# nightly, kept as written\nname: nightly   # the name\nschedule: "0 2 * * *"\nconnection: main\n';

describe.each(Object.keys(backends))('the definitions of the %s store', (name) => {
  it('keeps the YAML text verbatim, and each version a change is based on', async () => {
    const { a, b } = await open(name);
    const before = await b.definitions.revision();
    const [created] = await a.definitions.apply([{ kind: 'jobs', name: 'nightly.yaml', text: TEXT, base: null }], 't');
    expect(created).toMatchObject({ kind: 'jobs', name: 'nightly.yaml', text: TEXT });
    expect(await b.definitions.list()).toEqual([
      expect.objectContaining({ kind: 'jobs', name: 'nightly.yaml', text: TEXT, version: created!.version }),
    ]);
    const created_ = await b.definitions.revision();
    expect(created_).not.toBe(before);

    const edited = TEXT.replace('0 2', '0 3');
    const [next] = await b.definitions.apply(
      [{ kind: 'jobs', name: 'nightly.yaml', text: edited, base: created!.version }],
      't',
    );
    expect(next!.version).not.toBe(created!.version);
    expect(await a.definitions.revision()).not.toBe(created_);
    // Publishing the text already there changes nothing, not even the version.
    const [same] = await a.definitions.apply([{ kind: 'jobs', name: 'nightly.yaml', text: edited }], 't');
    expect(same!.version).toBe(next!.version);
  });

  it('refuses a stale compare-and-set, and writes none of its change set', async () => {
    const { a, b } = await open(name);
    const [v1] = await a.definitions.apply(
      [{ kind: 'connections', name: 'main.yaml', text: 'name: main\n', base: null }],
      't',
    );
    await b.definitions.apply(
      [{ kind: 'connections', name: 'main.yaml', text: 'name: main\n# b\n', base: v1!.version }],
      't',
    );
    const stale = a.definitions.apply(
      [
        { kind: 'jobs', name: 'new.yaml', text: 'name: new\n', base: null },
        { kind: 'connections', name: 'main.yaml', text: 'name: main\n# a\n', base: v1!.version },
      ],
      't',
    );
    await expect(stale).rejects.toBeInstanceOf(StaleDefinitionError);
    await expect(stale).rejects.toMatchObject({ statusCode: 409, keys: ['connections/main.yaml'] });
    // Created elsewhere meanwhile: a create (based on nothing) is stale too.
    await expect(
      a.definitions.apply([{ kind: 'connections', name: 'main.yaml', text: 'x: 1\n', base: null }], 't'),
    ).rejects.toBeInstanceOf(StaleDefinitionError);
    // Daemons sharing one folder all publish the same edit: the text already there is no conflict.
    const [agreed] = await a.definitions.apply(
      [{ kind: 'connections', name: 'main.yaml', text: 'name: main\n# b\n', base: v1!.version }],
      't',
    );
    expect(agreed!.version).not.toBe(v1!.version);
    expect((await b.definitions.list()).map((d) => [d.kind, d.name, d.text])).toEqual([
      ['connections', 'main.yaml', 'name: main\n# b\n'],
    ]);
  });

  it('deletes, moving the revision on, and refuses names that are not one YAML file', async () => {
    const { a, b } = await open(name);
    const [v] = await a.definitions.apply([{ kind: 'jobs', name: 'gone.yaml', text: 'name: gone\n' }], 't');
    const before = await b.definitions.revision();
    await expect(
      b.definitions.apply([{ kind: 'jobs', name: 'gone.yaml', base: 'not-it' }], 't'),
    ).rejects.toBeInstanceOf(StaleDefinitionError);
    await b.definitions.apply([{ kind: 'jobs', name: 'gone.yaml', base: v!.version }], 't');
    expect(await a.definitions.list()).toEqual([]);
    expect(await a.definitions.revision()).not.toBe(before);
    for (const bad of ['../escape.yaml', '.hidden.yaml', 'notes.txt', 'a/b.yaml'])
      await expect(a.definitions.apply([{ kind: 'jobs', name: bad, text: 'x: 1\n' }], 't')).rejects.toThrow(
        'is not a definition file name',
      );
  });
});

describe('the definitions of the postgres store', () => {
  it('are shared, start at revision 0, and give a name to one of two daemons creating it at once', async () => {
    const { a, b } = await open('postgres');
    expect(a.definitions.shared).toBe(true);
    expect(await a.definitions.revision()).toBe('0');
    const results = await Promise.allSettled(
      [a, b].map((s, i) =>
        s.definitions.apply([{ kind: 'jobs', name: 'race.yaml', text: `name: race\n# ${i}\n`, base: null }], 't'),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });
});

describe('the definitions of the file store', () => {
  it('are the folders themselves, not shared', async () => {
    const { a } = await open('file');
    expect(a.definitions.shared).toBe(false);
  });
});
