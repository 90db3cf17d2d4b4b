// `dropcron store import <state-dir>`: a file store moved into PostgreSQL, twice
// without doubling anything, its secrets re-sealed under the target's master key.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.ts';
import { FileStore } from '../../src/store/file-store.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { configTree } from '../helpers/test-plugin.ts';
import { postgresForFile } from '../helpers/postgres.ts';
import { runRecord } from '../helpers/run-record.ts';

const server = postgresForFile();

const run = (id: string) => runRecord('nightly', id);

async function cli(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (out += c));
  const code = await main(argv, { stdout, stderr });
  return { code, out };
}

describe('dropcron store import', () => {
  it('moves history, vault and fire times into PostgreSQL, and a second import adds nothing', async () => {
    const old = await mkdtemp(join(tmpdir(), 'dropcron-old-state-'));
    const source = new FileStore({ state: old, historyLimit: 100 }, {});
    for (const id of ['r1', 'r2', 'r3']) await source.history.append(run(id));
    await (await source.vault()).update('work', { state: { account: 'sandy' }, secrets: { refreshToken: 'tok' } });
    const times = { schedule: '0 2 * * *', timezone: 'UTC', nextScheduledAt: '2026-01-02T02:00:00.000Z' };
    await source.fireTimes.save({ nightly: times });
    const checkpoint = '{"sessionId":"s1","offset":8388608}\n';
    await source.checkpoints('upload-sessions').put('work-abc', checkpoint);

    const url = await server().database();
    const { dir, configFile } = await configTree({}, `store: { postgres: "${url}" }\n`);
    const first = await cli(['--config', configFile, 'store', 'import', old]);
    expect(first).toEqual({
      code: 0,
      out: `imported 3 runs of 1 jobs, 1 vault entries, the fire times of 1 jobs and 1 checkpoints from ${old} into the postgres store\n`,
    });
    expect((await cli(['--config', configFile, 'store', 'import', old])).code).toBe(0);

    // The daemon's view: its own state directory holds the key the import sealed with.
    const target = new PostgresStore({ state: join(dir, 'state'), historyLimit: 100, store: { postgres: url } }, {});
    try {
      expect((await target.history.list('nightly')).map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
      const vault = await target.vault();
      expect(await vault.secret('work', 'refreshToken')).toBe('tok');
      expect(await vault.state('work')).toEqual({ account: 'sandy' });
      expect(await target.fireTimes.load()).toEqual({ nightly: times });
      // Not the store's own directories (history, vault): only the checkpoint area.
      expect(await target.checkpoints('upload-sessions').list()).toEqual([{ key: 'work-abc', value: checkpoint }]);
      expect(await target.checkpoints('history').list()).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it('says what is wrong with its arguments', async () => {
    const { configFile } = await configTree({});
    expect(await cli(['--config', configFile, 'store', 'export'])).toEqual({
      code: 1,
      out: "dropcron: unknown store subcommand 'export' (see dropcron store --help)\n",
    });
    expect((await cli(['--config', configFile, 'store', 'import'])).out).toMatch(/name the state directory/);
  });
});
