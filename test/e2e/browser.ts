// Headless Debian Chromium driven by playwright-core, and a daemon in a temp folder.
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { createLogger } from '../../src/log.ts';

export const SCREENSHOTS = new URL('../.artifacts/screenshots/', import.meta.url).pathname;

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions', '--disable-background-networking', '--disable-sync'],
  });
}

export interface DaemonFixture {
  dir: string;
  daemon: Daemon;
  url: string;
  close(): Promise<void>;
}

/** A daemon on free loopback ports with its own config, connections, jobs and state. */
export async function daemonIn(files: Record<string, string>, config: string): Promise<DaemonFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-e2e-'));
  for (const d of ['connections', 'jobs', 'local']) await mkdir(join(dir, d));
  await writeFile(join(dir, 'config.yaml'), config);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const daemon = await startDaemon(join(dir, 'config.yaml'), {
    log: createLogger({ level: process.env.E2E_LOG ? 'debug' : 'silent', destination: process.env.E2E_LOG ? undefined : ({ write() {} } as never), pretty: false }),
  });
  return {
    dir, daemon, url: daemon.urls.admin!,
    async close() {
      await daemon.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function shot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
