// Issue 15, rows 10, 3 and 7, in headless Chromium against a real daemon:
// 10: forms built from the plugin's schema show each error in words next to its field
//     (checked in the page, and from the loader after a save), clear it once fixed, keep
//     the page where it was on Save, drop the secret of a setting switched off, and the
//     connections table fits 1280 px with a long unbroken description;
// 3:  a job file broken on disk stays listed with a "file has errors" badge, its problems
//     at file:line:col and its history;
// 7:  the daemon stopped: a "connection lost, reconnecting" banner; started again: the
//     live stream is back by itself and the session survived;
// and the Cluster page, shown only where GET /api/cluster answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signIn, adminConfig, launch, daemonIn, type DaemonFixture } from './browser.ts';

const PASSWORD = 'e2e-rows-password-123';
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 30_000, interval: 100 });
/** Playwright actions wait this long for their element, so a failure names its line, not the test's timeout. */
const ACTION_MS = 15_000;
const job = (schedule: string) =>
  `name: reports\nschedule: "${schedule}"\ntimezone: UTC\nconnection: home\ntasks:\n  - list: { path: /Reports }\n`;

describe('admin UI rows 10, 3 and 7 in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let f: DaemonFixture;

  beforeAll(async () => {
    f = await daemonIn(
      { 'connections/home.yaml': 'name: home\ntype: dropbox\nsandbox: true\n', 'jobs/reports.yaml': job('0 2 * * *') },
      adminConfig(PASSWORD),
    );
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(ACTION_MS);
    await signIn(page, f.url, PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  const yamlOf = (file: string) => readFile(join(f.dir, file), 'utf8');
  const errorOf = (id: string) => page.locator(`#${id}-error`);
  /** What the API says of a connection's secrets, as the signed-in page sees it. */
  const secretsOf = (name: string) =>
    page.evaluate(async (n) => {
      const body = (await (await fetch(`/api/connections/${n}`)).json()) as {
        connection: { secrets: Record<string, { set: boolean }> };
      };
      return body.connection.secrets;
    }, name);

  it('row 10: errors in words by their field, cleared when fixed; Save stays put; secrets of removed settings go', async () => {
    await page.goto(`${f.url}/#/connections/new`);
    // Checked in the page, in the schema's words.
    await page.locator('#name').fill('bad name!');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await eventually(() => errorOf('name').textContent()).toMatch(/^must be 1-64 letters, digits/);
    await page.locator('#name').fill('work');
    await eventually(() => errorOf('name').isVisible()).toBe(false);
    // A group shown only for Business accounts; a pattern with the plugin's words.
    expect(await page.locator('#business-pathRoot').isVisible()).toBe(false);
    await page.locator('#account').selectOption('business');
    await page.locator('#business-pathRoot').fill('nowhere');
    await page.locator('#access').selectOption('app-folder');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await eventually(() => errorOf('business-pathRoot').textContent()).toBe('must be home, team or ns:<namespace id>');
    // The loader's cross-field check, after the save, lands on its field too.
    await page.locator('#business-pathRoot').fill('team');
    await eventually(() => errorOf('business-pathRoot').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Create connection' }).click();
    await eventually(() => errorOf('business-pathRoot').textContent()).toMatch(/^app-folder apps always work/);
    expect(await page.locator('#form-error').textContent()).toBe('Please correct the fields marked above.');
    expect(await page.locator('#connection-form').textContent()).not.toMatch(/body\/|must match pattern/);
    await page.locator('#business-pathRoot').fill('home');
    await eventually(() => errorOf('business-pathRoot').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Create connection' }).click();
    await eventually(() => page.locator('#view h1').first().textContent()).toMatch(/^work/);
    const yaml = await yamlOf('connections/work.yaml');
    expect(yaml).toMatch(/account: business\n/);
    expect(yaml).toMatch(/business:\n {2}pathRoot: home\n/);
    expect(yaml).not.toMatch(/app: |timeoutSeconds|sandbox/); // defaults are not written

    // Save keeps the page where the user is: same tab, same scroll.
    await page.setViewportSize({ width: 1280, height: 420 });
    await page.goto(`${f.url}/#/connections/work/settings`);
    await page.locator('#description').fill('x'.repeat(300)); // no break points at all
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    const scrolled = await page.evaluate('window.scrollY');
    expect(scrolled).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await eventually(() => page.locator('#toast').textContent()).toBe('Saved.');
    await eventually(() => yamlOf('connections/work.yaml')).toContain(`description: ${'x'.repeat(300)}`);
    await eventually(() => page.locator('#description').inputValue()).toBe('x'.repeat(300));
    expect(page.url()).toMatch(/#\/connections\/work\/settings$/);
    expect(await page.evaluate('window.scrollY')).toBe(scrolled);
    await page.setViewportSize({ width: 1280, height: 800 });

    // The secret of a setting switched off leaves the vault and the YAML.
    await page.locator('#app').selectOption('custom');
    await page.locator('#appKey').fill('my-key');
    await page.locator('#appSecret').fill('my-app-secret-1');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await eventually(async () => (await secretsOf('work')).appSecret?.set).toBe(true);
    await eventually(() => page.locator('#appSecret').getAttribute('placeholder')).toMatch(/set/);
    await page.locator('#app').selectOption('builtin');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await eventually(async () => (await secretsOf('work')).appSecret?.set).toBe(false);
    expect(await yamlOf('connections/work.yaml')).not.toMatch(/appKey|appSecret/);

    await page.getByRole('link', { name: 'Proxy' }).click();
    await page.getByLabel('Proxy type').selectOption('http');
    await page.getByLabel('Address').fill('127.0.0.1');
    await page.getByLabel('Port').fill('3128');
    await page.getByLabel('Password', { exact: true }).fill('proxy-secret-77');
    await page.getByRole('button', { name: 'Save proxy' }).click();
    await eventually(async () => (await secretsOf('work'))['proxy.password']?.set).toBe(true);
    await eventually(() => page.locator('#proxy-password').getAttribute('placeholder')).toMatch(/set/);
    await page.getByLabel('Proxy type').selectOption('none');
    await page.getByRole('button', { name: 'Save proxy' }).click();
    await eventually(async () => (await secretsOf('work'))['proxy.password']?.set).toBe(false);
    expect(await yamlOf('connections/work.yaml')).toMatch(/proxy: none\n/);

    // At 1280 px the table keeps every column in view despite the unbroken description.
    await page.getByRole('link', { name: '← Connections' }).click();
    const last = page.locator('#connections th', { hasText: 'Last used' });
    await last.waitFor();
    const box = (await last.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1280);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
  });

  it('row 3: a job file broken on disk stays listed with its problems and its history', async () => {
    await page.goto(`${f.url}/#/jobs/reports`);
    // One run for the history (it fails: the connection is not authorised; still a run).
    await page.getByRole('button', { name: 'Run now' }).click();
    await eventually(() => page.locator('#history tbody tr').count()).toBeGreaterThan(0);
    await writeFile(join(f.dir, 'jobs/reports.yaml'), job('every night'));
    await page.goto(`${f.url}/#/jobs`);
    await eventually(() => page.locator('[data-file-errors="reports"]').textContent()).toBe('file has errors');
    await page.getByRole('link', { name: 'reports', exact: true }).click();
    await eventually(() => page.locator('#view h1').first().textContent()).toMatch(/^reports/);
    await eventually(() => page.locator('#view .card.warn').textContent()).toMatch(/reports\.yaml:2:11 .*schedule/);
    // What runs is the last valid version: its schedule, its next runs, its history.
    expect(await page.locator('#view .page-head').textContent()).toMatch(/every day at 02:00/);
    expect(await page.locator('#history tbody tr').count()).toBeGreaterThan(0);
    await writeFile(join(f.dir, 'jobs/reports.yaml'), job('0 2 * * *'));
  });

  it('row 7: a stopped daemon shows a reconnecting banner; restarted, the stream and the session are back', async () => {
    await page.goto(`${f.url}/#/connections`);
    await page.locator('#connections').waitFor();
    expect(await page.locator('#offline').isVisible()).toBe(false);
    await f.stop();
    await eventually(() => page.locator('#offline').isVisible()).toBe(true);
    expect(await page.locator('#offline').textContent()).toMatch(/connection to dropcron lost, reconnecting/i);
    await f.start();
    await eventually(() => page.locator('#offline').isVisible()).toBe(false);
    expect(await page.locator('#signin').isVisible()).toBe(false);
    // The live stream is back: an edit made in another tab shows up here by itself.
    const other = await context.newPage();
    await other.goto(`${f.url}/#/connections/home/settings`);
    await other.locator('#description').fill('edited in the other tab');
    await other.getByRole('button', { name: 'Save', exact: true }).click();
    await eventually(() => page.locator('#connections tr[data-name="home"]').textContent()).toMatch(
      /edited in the other tab/,
    );
    await other.close();
  });

  it('shows a Cluster page only where the daemons share a store, with what it says', async () => {
    // This daemon keeps the file store: alone, so no Cluster link.
    await page.goto(`${f.url}/#/connections`);
    const probed = page.waitForResponse((r) => r.url().endsWith('/api/cluster'));
    await page.reload();
    const alone = await probed;
    expect(alone.status()).toBe(200);
    expect((await alone.json()).store.kind).toBe('file');
    await page.locator('#connections').waitFor();
    expect(await page.locator('#nav-cluster').isVisible()).toBe(false);
    // One that has it, as the route's shape says (answered here in the page's stead).
    const now = Date.now();
    const iso = (agoMs: number) => new Date(now - agoMs).toISOString();
    await page.route('**/api/cluster', (r) =>
      r.fulfill({
        json: {
          store: { kind: 'postgres', ok: true },
          daemons: [
            {
              id: 'd-1',
              host: 'nas',
              pid: 41,
              startedAt: iso(3600_000),
              heartbeatAt: iso(2000),
              alive: true,
              self: true,
              running: [{ runId: 'r-1', job: 'reports', startedAt: iso(60_000) }],
            },
            {
              id: 'd-2',
              host: 'pi',
              pid: 7,
              startedAt: iso(7200_000),
              heartbeatAt: iso(600_000),
              alive: false,
              self: false,
            },
          ],
        },
      }),
    );
    await page.reload();
    await eventually(() => page.locator('#nav-cluster').isVisible()).toBe(true);
    await page.locator('#nav-cluster').click();
    await eventually(() => page.locator('#daemons tbody tr').count()).toBe(2);
    expect(await page.locator('#cluster-store').textContent()).toMatch(/postgres OK/);
    const [self, other] = await page.locator('#daemons tbody tr').allTextContents();
    expect(self).toMatch(/d-1this one.*nas \(pid 41\).*alive.*reports since/);
    expect(other).toMatch(/d-2.*pi \(pid 7\).*silent.*idle/);
    await page.unroute('**/api/cluster');
  });
});
