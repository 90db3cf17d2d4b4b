// A config directory in a temp folder and an admin server on it, driven with inject().
import { afterEach, beforeEach } from 'vitest';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { createServices } from '../../src/services.ts';
import { createAdminContext } from '../../src/admin/index.ts';
import { adminPassword } from '../../src/admin/password.ts';
import { buildAdminServer } from '../../src/admin/server.ts';
import type { AdminContext, AdminScheduler } from '../../src/admin/context.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';

export const PASSWORD = 'correct horse battery staple';

export interface Fixture {
  dir: string;
  app: FastifyInstance;
  ctx: AdminContext;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function fixture(
  files: Record<string, string> = {},
  opts: {
    env?: Record<string, string>;
    scheduler?: (f: Omit<Fixture, 'app' | 'close' | 'ctx'>) => AdminScheduler;
  } = {},
): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-admin-'));
  await mkdir(join(dir, 'connections'));
  await mkdir(join(dir, 'jobs'));
  const all: Record<string, string> = {
    'config.yaml': 'admin:\n  port: 0\nstate: ./state\nconnections: ./connections\njobs: ./jobs\nlogLevel: silent\n',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) await writeFile(join(dir, name), text);
  // A fresh master key per fixture, in the temp state directory.
  const env = { ...(opts.env ?? {}) };
  const loaded = await loadConfig(join(dir, 'config.yaml'), { env });
  const log = createLogger({ level: 'silent', destination: { write() {} } as never });
  const services = createServices(loaded.config, { log, env });
  const ctx = createAdminContext(
    { loaded, services, log, env, scheduler: opts.scheduler?.({ dir, env }) },
    () => 'http://127.0.0.1:8470',
  );
  const app = await buildAdminServer(ctx, { password: await adminPassword(PASSWORD, loaded.config.state, () => {}) });
  return {
    dir,
    app,
    ctx,
    env,
    async close() {
      await app.close();
      await services.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in; returns the cookie header and CSRF token to send. */
export async function signIn(
  app: FastifyInstance,
): Promise<{ cookie: string; csrf: string; headers: Record<string, string> }> {
  const res = await app.inject({ method: 'POST', url: '/api/session', payload: { password: PASSWORD } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const set = res.headers['set-cookie'];
  const cookie = String(Array.isArray(set) ? set[0] : set).split(';')[0]!;
  const csrf = res.json().csrf as string;
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}

export function errorOf(res: LightMyRequestResponse): string {
  return (res.json() as { error: string }).error;
}

/** `headers` plus If-Match with the current version of `url` (its GET's ETag), as an edit from the page sends. */
export async function basedOnCurrent(
  app: FastifyInstance,
  url: string,
  headers: Record<string, string>,
): Promise<Record<string, string>> {
  const res = await app.inject({ method: 'GET', url, headers });
  const etag = res.headers.etag;
  if (res.statusCode !== 200 || typeof etag !== 'string') throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
  return { ...headers, 'if-match': etag };
}

/** A real daemon on a temp config directory; `stop()` stops it (if started) and removes the directory. */
export function daemonFixture() {
  let dir = '';
  let daemon: Daemon | undefined;
  return {
    get dir() {
      return dir;
    },
    /** `admin`: the lines under `admin:` in config.yaml; `files`: more files by relative path. */
    async start(admin: string, files: Record<string, string> = {}): Promise<Daemon> {
      dir = await mkdtemp(join(tmpdir(), 'dropcron-admin-daemon-'));
      await mkdir(join(dir, 'connections'));
      await mkdir(join(dir, 'jobs'));
      const all = {
        'config.yaml': `admin:\n${admin}\nstate: ./state\nconnections: ./connections\njobs: ./jobs\n`,
        ...files,
      };
      for (const [name, text] of Object.entries(all)) await writeFile(join(dir, name), text);
      daemon = await startDaemon(join(dir, 'config.yaml'), {
        log: createLogger({ level: 'silent', destination: { write() {} } as never }),
        env: {},
      });
      return daemon;
    },
    /** Marks the daemon stopped by the test itself. */
    stopped() {
      daemon = undefined;
    },
    async stop() {
      await daemon?.stop();
      daemon = undefined;
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A job file with comments in every place an edit must keep them. */
export const REPORTS_JOB = `# Nightly copy of the reports.
name: reports
schedule: "0 2 * * 1-5"   # weekdays only
timezone: Europe/Berlin
connection: home
tasks:
  # first see what is there
  - list: { path: /Reports }
  # then fetch them
  - download:
      from: /Reports
      to: ./local # next to config.yaml
`;

/** A connection file the job tests name: `home`, on the sandbox. */
export const HOME_CONNECTION = { 'connections/home.yaml': 'name: home\ntype: dropbox\nsandbox: true\n' };

/** A fresh fixture with `files` and a signed-in session for each test of the calling suite. */
export function signedInEach(files: Record<string, string>): { f: Fixture; headers: Record<string, string> } {
  const s = {} as { f: Fixture; headers: Record<string, string> };
  beforeEach(async () => {
    s.f = await fixture(files);
    s.headers = (await signIn(s.f.app)).headers;
  });
  afterEach(() => s.f.close());
  return s;
}
