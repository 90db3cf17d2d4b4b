// The admin page end to end in headless Chromium, against a real daemon and the
// bundled Dropbox sandbox: sign in, create a connection, authenticate in the popup,
// browse and pick a folder, edit the proxy, run a job and watch it, history, disconnect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { adminConfig, launch, daemonIn, shot, type DaemonFixture } from './browser.ts';

const PASSWORD = 'e2e-admin-password-123';
const PROXY_PASSWORD = 'e2e-proxy-secret-8812';

/** Polls until the assertion holds; generous, since the whole suite may share the machine. */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 30_000, interval: 100 });

/** One named step of a longer test: a failure says which step it was. */
async function step(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof Error) err.message = `step "${name}": ${err.message}`;
    throw err;
  }
}

const JOB = `# Copies the local folder into the sandbox every night.
name: e2e-upload
description: Nightly copy of the local folder
schedule: "30 2 * * *"
timezone: Europe/Berlin
connection: e2e
tasks:
  # where the files go is picked in the admin UI
  - upload: { from: $DIR/local, to: /Inbox }
`;

describe('admin UI in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let f: DaemonFixture;
  let SANDY: string;

  beforeAll(async () => {
    f = await daemonIn({ 'jobs/e2e-upload.yaml': JOB }, adminConfig(PASSWORD));
    f.emulator.registerRedirectUri('dropcron-sandbox', `${f.url}/oauth2/callback`);
    // Sandy, the seed's personal account, whatever id the seed gives her
    SANDY = f.emulator.seed.accounts.find((a) => a.email === 'sandy@example.com')!.id;
    await f.emulator.files.put(SANDY, '/Projects/2026/plan.txt', 'the plan');
    await f.emulator.files.put(SANDY, '/Projects/Archive/old.txt', 'old');
    await f.emulator.files.put(SANDY, '/Photos/cat.jpg', 'meow');
    for (let i = 1; i <= 3; i++)
      await writeFile(join(f.dir, 'local', `report-${i}.csv`), `id,value\n${'1,2\n'.repeat(20_000 * i)}`);
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  const yamlOf = (file: string) => readFile(join(f.dir, file), 'utf8');
  const heading = () => page.locator('#view h1').first().textContent();

  // One admin's day, in order: each step starts where the previous one left the page,
  // so they are steps of one test rather than tests that silently depend on each other.
  it('the admin journey: sign in, connect, authenticate, configure, run, disconnect, reconnect', async () => {
    await step('signs in', async () => {
      await page.goto(f.url);
      await page.getByLabel('Admin password').waitFor();
      await shot(page, '01-sign-in');
      await page.getByLabel('Admin password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await eventually(() => page.locator('#signin-error').textContent()).toBe('wrong password');
      await page.getByLabel('Admin password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Connections' }).waitFor();
    });

    await step('creates a connection', async () => {
      await page.getByRole('link', { name: '+ New connection' }).click();
      await page.getByLabel('Name').fill('e2e');
      await page.getByLabel('Description').fill('Sandy in the sandbox');
      await page.getByLabel("Use the plugin's bundled sandbox (testing)").check();
      await shot(page, '02-new-connection');
      await page.getByRole('button', { name: 'Create connection' }).click();
      await eventually(heading).toMatch(/^e2e/);
      const yaml = await yamlOf('connections/e2e.yaml');
      expect(yaml).toContain('name: e2e');
      expect(yaml).toContain('sandbox: true');
    });

    await step('authenticates through the popup against the sandbox consent page; the list updates live', async () => {
      await eventually(() => page.locator('#view h1 .badge').textContent()).toBe('Needs authorisation');
      const [popup] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('button', { name: 'Authenticate' }).click(),
      ]);
      await popup.locator('#allow').waitFor();
      await shot(popup, '04-consent');
      await popup.locator('#allow').click();
      await popup.waitForEvent('close', { timeout: 15_000 });
      await eventually(() => page.locator('#view h1 .badge').textContent()).toBe('Authorised');
      await eventually(() => page.locator('#view .page-head p').first().textContent()).toMatch(/Signed in as .*Sandy/);
      await page.getByRole('link', { name: '← Connections' }).click();
      await eventually(() => page.locator('#connections tr[data-name="e2e"] .badge').textContent()).toBe('Authorised');
      // The plugin's describe() facts reach the list: the account kind, then the sandbox tag.
      expect(await page.locator('#connections tr[data-name="e2e"] td[data-label="Type"]').textContent()).toBe(
        'personalsandbox',
      );
      await shot(page, '05-connections');
    });

    await step('tests the connection: account and quota', async () => {
      await page.getByRole('link', { name: 'e2e', exact: true }).click();
      await page.getByRole('button', { name: 'Test connection' }).click();
      await eventually(() => page.locator('#test-report').textContent()).toMatch(/Sandy/);
      // the quota as a bar: 2 GiB allocated in the sandbox seed
      expect(await page.locator('#quota-bar').getAttribute('max')).toBe(String(2 * 1024 ** 3));
      await shot(page, '06-test');
    });

    await step('edits the proxy; the password goes to the vault, never to the page or the YAML', async () => {
      await page.getByRole('link', { name: 'Proxy' }).click();
      await page.getByLabel('Proxy type').selectOption('http');
      await page.getByLabel('Address').fill('127.0.0.1');
      await page.getByLabel('Port').fill('3128');
      await page.getByLabel('Username').fill('svc');
      await page.getByLabel('Password', { exact: true }).fill(PROXY_PASSWORD);
      await page.getByRole('button', { name: 'Save proxy' }).click();
      await eventually(() => page.locator('#proxy-password').getAttribute('placeholder')).toMatch(/set/);
      await shot(page, '03-proxy');
      const yaml = await yamlOf('connections/e2e.yaml');
      expect(yaml).toMatch(/proxy:\n {2}type: http\n {2}host: 127\.0\.0\.1\n {2}port: 3128\n {2}username: svc\n/);
      expect(yaml).not.toContain(PROXY_PASSWORD);
      expect(await page.content()).not.toContain(PROXY_PASSWORD);
      // back to no proxy for the rest of the run
      await page.getByLabel('Proxy type').selectOption('none');
      await page.getByRole('button', { name: 'Save proxy' }).click();
      await eventually(() => yamlOf('connections/e2e.yaml')).toContain('proxy: none');
    });

    await step("browses folders and picks one for the job's upload task; the job file keeps its comments", async () => {
      await page.getByRole('link', { name: 'Jobs', exact: true }).click();
      const row = page.locator('#jobs tr[data-name="e2e-upload"]');
      await eventually(() => row.textContent()).toMatch(/every day at 02:30/);
      await row.getByRole('link', { name: 'e2e-upload' }).click();
      await page.locator('#task-0-to').waitFor();
      // Labelled with the task schema's own title for the option (the plugin's words).
      expect(await page.getByLabel('To Dropbox folder').getAttribute('id')).toBe('task-0-to');
      await page.locator('[data-choose="task-0-to"]').click();
      const dialog = page.locator('#browser');
      await dialog.getByRole('option', { name: /Projects/ }).dblclick();
      await dialog.getByRole('option', { name: /2026/ }).waitFor();
      await dialog.getByRole('button', { name: 'Up' }).click();
      await dialog.getByRole('option', { name: /Photos/ }).waitFor();
      // the keyboard works too: Backspace goes up, arrows move, Enter opens
      await dialog.getByRole('option', { name: /Photos/ }).click();
      await dialog.getByRole('option', { name: /Photos/ }).press('ArrowDown');
      await eventually(() => dialog.locator('.picked code').textContent()).toBe('/Projects');
      await page.keyboard.press('Enter');
      await dialog.getByRole('option', { name: /Archive/ }).waitFor();
      await page.keyboard.press('Backspace');
      await dialog.getByRole('option', { name: /Photos/ }).waitFor();
      await dialog.getByRole('option', { name: /Projects/ }).dblclick();
      await dialog.getByRole('option', { name: /2026/ }).click();
      await eventually(() => dialog.locator('.picked code').textContent()).toBe('/Projects/2026');
      await shot(page, '07-folder-browser');
      await dialog.getByRole('button', { name: 'Use this folder' }).click();
      await eventually(() => page.locator('#task-0-to').inputValue()).toBe('/Projects/2026');
      await page.locator('[data-save="task-0-to"]').click();
      await eventually(() => yamlOf('jobs/e2e-upload.yaml')).toContain('to: /Projects/2026');
      const job = await yamlOf('jobs/e2e-upload.yaml');
      expect(job).toContain('# Copies the local folder into the sandbox every night.');
      expect(job).toContain('# where the files go is picked in the admin UI');
    });

    await step('runs the job, shows live progress and log lines, then the history', async () => {
      // the scheduler's hot reload picks the edited file up; then Run now
      await page.reload();
      await page.locator('#task-0-to').waitFor();
      await eventually(() => page.locator('#task-0-to').inputValue()).toBe('/Projects/2026');
      await page.getByRole('button', { name: 'Run now' }).click();
      const live = page.locator('#live-body');
      await eventually(() => live.textContent()).toMatch(/success/);
      // The runner's own lines, streamed as they were logged: level, then message.
      const lines = await live.locator('pre.log > div').allTextContents();
      expect(lines[0]).toBe('info run started (manual)');
      expect(lines.at(-1)).toMatch(/^info run succeeded in \d+(\.\d+)?(ms|s)$/);
      // Overall progress of the run, not one file's: the three reports were uploaded side by side.
      await eventually(() => page.locator('#live-overall').textContent()).toMatch(/^3 of 3 files · \S+ \S+ of \S+ \S+/);
      await shot(page, '08-run');
      const history = page.locator('#history tbody tr').first();
      await eventually(() => history.textContent()).toMatch(/success/);
      expect(await history.textContent()).toMatch(/upload/);
      expect(await f.emulator.files.get(SANDY, '/Projects/2026/report-2.csv')).toBeDefined();
      // a dry run is recorded as such and uploads nothing more
      const runs = await page.locator('#history tbody tr').count();
      await page.getByRole('button', { name: 'Dry run' }).click();
      await eventually(() => page.locator('#history tbody tr').count()).toBe(runs + 1);
      await eventually(() => page.locator('#history tbody tr').first().textContent()).toMatch(/dry run/);
      // the same plan the CLI prints: each report, why (already there), its size
      await eventually(() => page.locator('#plan tbody tr').count()).toBe(3);
      expect(await page.locator('#plan tbody tr').first().textContent()).toMatch(
        /upload.*\/Projects\/2026\/report-\d\.csv/,
      );
      await page.getByRole('link', { name: '← Jobs' }).click();
      await eventually(() => page.locator('#jobs tr[data-name="e2e-upload"] .badge').textContent()).toBe('success');
      await shot(page, '09-jobs');
    });

    await step('disconnects (revokes) the connection', async () => {
      await page.goto(`${f.url}/#/connections/e2e`);
      await page.getByRole('button', { name: 'Disconnect' }).click();
      await eventually(() => page.locator('#view h1 .badge').textContent()).toMatch(/Needs/);
    });

    await step('authenticates in an external browser: copy the link, paste the code', async () => {
      await page.getByRole('button', { name: 'External browser…' }).click();
      const link = await page.getByLabel('Authorize URL').inputValue();
      expect(new URL(link).pathname).toBe('/oauth2/authorize');
      await shot(page, '11-external-browser');
      // "another browser": a separate context with no admin session
      const other = await browser.newContext();
      const dropbox = await other.newPage();
      await dropbox.goto(link);
      await dropbox.locator('#allow').click();
      const code = (await dropbox.locator('#code').textContent())!;
      await other.close();
      await page.getByLabel('Code from Dropbox').fill(code);
      await page.getByRole('button', { name: 'Finish' }).click();
      await eventually(() => page.locator('#view h1 .badge').textContent()).toBe('Authorised');
    });

    await step('works at phone width', async () => {
      const phone = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      const p = await phone.newPage();
      await p.goto(f.url);
      await p.getByLabel('Admin password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('heading', { name: 'Connections' }).waitFor();
      // nothing wider than the screen
      expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await shot(p, '10-phone');
      // the job page with the history of the runs above
      await p.goto(`${f.url}/#/jobs/e2e-upload`);
      await eventually(() => p.locator('#history tbody tr').count()).toBeGreaterThan(0);
      expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await shot(p, '13-phone-job');
      await phone.close();
    });
  }, 300_000);

  it('the OAuth callback tells a forged or replayed response apart, without a session', async () => {
    const other = await browser.newContext();
    const p = await other.newPage();
    await p.goto(`${f.url}/oauth2/callback?state=forged&code=x`);
    await eventually(() => p.locator('h1').textContent()).toBe('Sign-in did not finish');
    expect(await p.locator('#result').getAttribute('data-ok')).toBe('false');
    await shot(p, '12-callback-refused');
    await other.close();
  });
});
