// Headless Debian Chromium driven by playwright-core, and a daemon in a temp folder.
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startEmulator, type Emulator } from '../../plugins/dropbox/emulator/index.ts';
import dropbox from '../../plugins/dropbox/index.ts';
import { Registry } from '../../src/registry.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { createLogger } from '../../src/log.ts';

export const SCREENSHOTS = new URL('../.artifacts/screenshots/', import.meta.url).pathname;

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-extensions',
      '--disable-background-networking',
      '--disable-sync',
    ],
  });
}

export interface DaemonFixture {
  dir: string;
  daemon: Daemon;
  url: string;
  /** The Dropbox sandbox the daemon's sandbox connections talk to. */
  emulator: Emulator;
  /** Stops the daemon, files and state kept (the page stays open: the daemon is gone). */
  stop(): Promise<void>;
  /** Starts it again on the same admin address, config and state: a restart. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real Dropbox plugin, except that its sandbox is started here so the test keeps
 * the emulator's handle (plugins/dropbox/emulator/sandbox.ts returns only {url, close},
 * and the admin's callback URL on a free port must be registered with the sandbox app).
 */
function pluginsKeepingTheEmulator(): { registry: Registry; emulator: () => Emulator } {
  let emulator: Emulator | undefined;
  const registry = new Registry();
  registry.add({
    ...dropbox,
    async startSandbox(services) {
      const port = (services.config.dropbox as { sandboxPort?: number } | undefined)?.sandboxPort ?? 0;
      emulator = await startEmulator({ port, host: '127.0.0.1' });
      return { url: emulator.url, close: () => emulator!.close() };
    },
  });
  return { registry, emulator: () => emulator! };
}

/**
 * A daemon on free loopback ports with its own config, connections, jobs and state.
 * `config` is a function of the temp folder and the sandbox port (0: any free one).
 */
export async function daemonIn(
  files: Record<string, string>,
  config: (dir: string, sandboxPort: number) => string,
): Promise<DaemonFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-e2e-'));
  for (const d of ['connections', 'jobs', 'local']) await mkdir(join(dir, d));
  const sandboxPort = 0;
  await writeFile(join(dir, 'config.yaml'), config(dir, sandboxPort));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text.replaceAll('$DIR', dir));
  const boot = async () => {
    const plugins = pluginsKeepingTheEmulator();
    const daemon = await startDaemon(join(dir, 'config.yaml'), {
      registry: plugins.registry,
      // info, not silent: the scheduler streams a run's log lines only at enabled levels.
      log: createLogger({
        level: process.env.E2E_LOG ? 'debug' : 'info',
        destination: process.env.E2E_LOG ? undefined : ({ write() {} } as never),
        pretty: false,
      }),
    });
    return { daemon, emulator: plugins.emulator() };
  };
  const first = await boot();
  let running = true;
  const fixture: DaemonFixture = {
    dir,
    daemon: first.daemon,
    url: first.daemon.urls.admin!,
    emulator: first.emulator,
    async stop() {
      running = false;
      await fixture.daemon.stop();
    },
    async start() {
      // The same admin port as before, so the open page finds the daemon again.
      const port = new URL(fixture.url).port;
      await writeFile(join(dir, 'config.yaml'), config(dir, sandboxPort).replace(/^(\s+port:) 0$/m, `$1 ${port}`));
      Object.assign(fixture, await boot());
      running = true;
    },
    async close() {
      if (running) await fixture.daemon.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

export async function shot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  // A passing toast would cover part of the screen in the picture.
  await page.evaluate("for (const t of document.querySelectorAll('#toast')) t.hidden = true");
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** config.yaml of an admin on a free loopback port with `password`, its sandbox on `sandboxPort`. */
export const adminConfig =
  (password: string) =>
  (_dir: string, sandboxPort: number): string =>
    `admin:\n  host: 127.0.0.1\n  port: 0\n  password: ${password}\nstate: ./state\nconnections: ./connections\njobs: ./jobs\nlogLevel: warn\nsandbox: true\ndropbox:\n  appKey: dropcron-sandbox\n  sandboxPort: ${sandboxPort}\n`;

/** Signs in on the admin page at `url`; done once the Connections page shows. */
export async function signIn(page: Page, url: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Admin password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Connections' }).waitFor();
}
