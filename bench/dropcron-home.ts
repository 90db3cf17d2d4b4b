// A throwaway dropcron installation for the bench: config.yaml, one connection that
// talks to "Dropbox" (sandbox: false, so Dropbox's host names) through the bench's
// CONNECT proxy, its grant in the vault as `dropcron auth` would leave it, and one job
// file per command. Run as users run it: `dropcron --config FILE run <job>`.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openVault } from '../src/store/vault.ts';
import { REFRESH_TOKEN } from '../plugins/dropbox/auth/grant.ts';
import type { Command } from './measure.ts';
import { CLI } from './shipped-command.ts';

/** The command as it ships (compiled; bench/run.ts builds it first). */
export const DROPCRON_BIN = CLI;
const CONNECTION = 'bench';

export interface DropcronHome {
  configFile: string;
  /** The command line of `dropcron --config ... <args>`, with the bench CA trusted. */
  command(args: string[]): Command;
  /** Replaces every job file with this one job (each run loads one job, as a user's small setup). */
  writeJob(name: string, tasks: unknown[]): Promise<void>;
  /** Replaces every job file with these (the daemon figures' 1,000 jobs). */
  writeJobs(jobs: Array<{ name: string; schedule: string; tasks: unknown[] }>): Promise<void>;
  /** Changes config.yaml (merged into the bench's settings). */
  configure(settings: Record<string, unknown>): Promise<void>;
}

export async function makeDropcronHome(
  dir: string,
  o: { proxyPort: number; caFile: string; refreshToken: string; appKey: string; appSecret: string },
): Promise<DropcronHome> {
  const jobs = join(dir, 'jobs');
  await mkdir(join(dir, 'connections'), { recursive: true });
  await mkdir(jobs, { recursive: true });
  const configFile = join(dir, 'config.yaml');
  const base = {
    admin: { enabled: false },
    state: './state',
    connections: './connections',
    jobs: './jobs',
    logLevel: 'warn',
    sandbox: false,
  };
  const configure = (settings: Record<string, unknown>) => writeFile(configFile, stringify({ ...base, ...settings }));
  await configure({});
  await writeFile(
    join(dir, 'connections', `${CONNECTION}.yaml`),
    stringify({
      name: CONNECTION,
      type: 'dropbox',
      app: 'custom',
      appKey: o.appKey,
      appSecret: '${BENCH_APP_SECRET}',
      proxy: { type: 'http', host: '127.0.0.1', port: o.proxyPort },
    }),
  );
  const vault = await openVault(join(dir, 'state'), {});
  await vault.update(CONNECTION, {
    secrets: { [REFRESH_TOKEN]: o.refreshToken },
    state: { appKey: o.appKey, authorisedAt: new Date().toISOString(), label: 'bench' },
  });
  async function writeJobs(list: Array<{ name: string; schedule: string; tasks: unknown[] }>) {
    await rm(jobs, { recursive: true, force: true });
    await mkdir(jobs);
    for (const j of list) await writeFile(join(jobs, `${j.name}.yaml`), stringify({ ...j, connection: CONNECTION }));
  }
  const env = { NODE_EXTRA_CA_CERTS: o.caFile, BENCH_APP_SECRET: o.appSecret };
  return {
    configFile,
    command: (args) => ({ argv: [process.execPath, DROPCRON_BIN, '--config', configFile, ...args], env }),
    writeJob: (name, tasks) => writeJobs([{ name, schedule: '0 0 1 1 *', tasks }]),
    writeJobs,
    configure,
  };
}
