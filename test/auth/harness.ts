// The auth tests' world: a real emulator on loopback, a temp state directory, real
// Services (dispatcher pool, logger into a buffer) and connection definitions that
// point at the emulator. Also a config directory for driving the CLI.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { Agent } from 'undici';
import { startEmulator } from '../../plugins/dropbox/emulator/index.ts';
import { createAuthorizer } from '../../plugins/dropbox/auth/authorizer.ts';
import { FlowStore } from '../../plugins/dropbox/auth/flow-state.ts';
import { submitConsent } from '../../plugins/dropbox/auth/sandbox-consent.ts';
import type { ConnectionDefinition } from '../../src/plugin.ts';
import type { DaemonConfig } from '../../src/config/types.ts';
import { createServices, type OwnedServices } from '../../src/services.ts';
import { createLogger } from '../../src/log.ts';
import { Capture, tempDir } from './helpers.ts';

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

export interface World {
  emu: Emulator;
  dir: string;
  stateDir: string;
  logs: Capture;
  services: OwnedServices;
  def(extra?: Record<string, unknown>): ConnectionDefinition;
  /** Signs `def` in through the paste flow, choosing `account` on the consent page (default: the first). */
  signIn(def: ConnectionDefinition, account?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startWorld(opts: { accessTokenTtlSeconds?: number; appKey?: string } = {}): Promise<World> {
  const emu = await startEmulator({
    port: 0,
    ...(opts.accessTokenTtlSeconds ? { accessTokenTtlSeconds: opts.accessTokenTtlSeconds } : {}),
  });
  const dir = await tempDir();
  const stateDir = join(dir, 'state');
  const logs = new Capture();
  const log = createLogger({ level: 'trace', destination: logs as unknown as DestinationStream, pretty: false });
  const config = {
    file: join(dir, 'config.yaml'),
    admin: { enabled: false, host: '127.0.0.1', port: 0 },
    state: stateDir,
    store: 'file',
    timezone: 'UTC',
    connections: join(dir, 'connections'),
    jobs: join(dir, 'jobs'),
    logLevel: 'trace',
    plugins: ['dropbox'],
    sandbox: false,
    maxConcurrentJobs: 1,
    shutdownGraceSeconds: 1,
    historyLimit: 10,
    metrics: { public: false },
    dropbox: { appKey: opts.appKey ?? 'dropcron-sandbox' },
  } as DaemonConfig;
  const services = createServices(config, { log });
  return {
    emu,
    dir,
    stateDir,
    logs,
    services,
    def: (extra = {}) => ({
      name: 'work',
      type: 'dropbox',
      file: join(dir, 'connections', 'work.yaml'),
      account: 'personal',
      app: 'builtin',
      endpoints: { api: emu.url, content: emu.url, www: emu.url },
      ...extra,
    }),
    async signIn(def, account) {
      const auth = createAuthorizer(new FlowStore());
      const { url, state } = await auth.begin(def, services, { mode: 'paste' });
      const q = await submitConsent(url, new Agent(), {
        decision: 'allow',
        choose: (_n, opts) => (account ? opts.find((o) => o[1].includes(account))?.[0] : undefined),
      });
      await auth.complete(def, services, { state, code: q.get('code')! });
    },
    async close() {
      await services.close();
      await emu.close();
    },
  };
}

/** Writes config.yaml and one connection file for CLI tests; returns the config path. */
export async function writeCliConfig(w: World, connection: Record<string, unknown>): Promise<string> {
  await mkdir(join(w.dir, 'connections'), { recursive: true });
  await mkdir(join(w.dir, 'jobs'), { recursive: true });
  const cfg = join(w.dir, 'config.yaml');
  await writeFile(
    cfg,
    [
      'admin: { enabled: false }',
      `state: ${JSON.stringify(w.stateDir)}`,
      `connections: ${JSON.stringify(join(w.dir, 'connections'))}`,
      `jobs: ${JSON.stringify(join(w.dir, 'jobs'))}`,
      'logLevel: warn',
      'dropbox: { appKey: dropcron-sandbox }',
      '',
    ].join('\n'),
  );
  const name = String(connection.name);
  const lines = Object.entries({
    type: 'dropbox',
    account: 'personal',
    app: 'builtin',
    endpoints: { api: w.emu.url, content: w.emu.url, www: w.emu.url },
    ...connection,
  }).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  await writeFile(join(w.dir, 'connections', `${name}.yaml`), lines.join('\n') + '\n');
  return cfg;
}
