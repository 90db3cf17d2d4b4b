// A job built from nothing in the browser, against a real daemon and the Dropbox
// sandbox: name, connection, schedule (with its next runs in words), an upload task
// whose sandbox folder is picked in the folder browser; saved, run, watched to success,
// the file found in the sandbox. Then an edit keeps a comment written by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Browser, Page } from 'playwright-core';
import { signIn, adminConfig, launch, daemonIn, shot, type DaemonFixture } from './browser.ts';

const PASSWORD = 'e2e-admin-password-456';
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 30_000, interval: 100 });

describe('job editor in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let f: DaemonFixture;
  let SANDY: string;

  beforeAll(async () => {
    f = await daemonIn({ 'connections/box.yaml': 'name: box\ntype: dropbox\nsandbox: true\n' }, adminConfig(PASSWORD));
    SANDY = f.emulator.seed.accounts.find((a) => a.email === 'sandy@example.com')!.id;
    await f.emulator.files.put(SANDY, '/Backups/keep.txt', 'already there');
    await mkdir(join(f.dir, 'outbox'));
    await writeFile(join(f.dir, 'outbox', 'notes.txt'), 'written by the e2e test\n');
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  const jobFile = () => readFile(join(f.dir, 'jobs/nightly.yaml'), 'utf8');

  it('builds, saves, runs and edits a job without touching a file', async () => {
    await signIn(page, f.url, PASSWORD);

    await page.goto(`${f.url}/#/jobs`);
    await page.getByRole('link', { name: 'New job' }).click();
    await page.getByRole('heading', { name: 'New job' }).waitFor();
    await page.locator('#job-name').fill('nightly');
    await page.locator('#job-connection').selectOption('box');
    await page.locator('#job-schedule').fill('15 3 * * 1-5');
    await page.locator('#job-timezone').fill('Europe/Berlin');
    await eventually(() => page.locator('#schedule-words').textContent()).toBe('every weekday at 03:15');
    await eventually(() => page.locator('#schedule-runs li').count()).toBe(5);
    // A schedule that cannot be: the daemon's own words, at once.
    await page.locator('#job-schedule').fill('15 27 * * *');
    await eventually(() => page.locator('#schedule-words').textContent()).toMatch(/is not a valid cron expression/);
    await page.locator('#job-schedule').fill('15 3 * * 1-5');

    await page.locator('#add-task-type').selectOption('upload');
    await page.locator('#add-task').click();
    const task = page.locator('#task-list [data-task="0"]');
    await task.getByLabel('Local folders').fill(join(f.dir, 'outbox'));
    await task.locator('[data-choose]').click();
    const dialog = page.locator('#browser');
    await dialog.getByRole('option', { name: /Backups/ }).click();
    await eventually(() => dialog.locator('.picked code').textContent()).toBe('/Backups');
    await dialog.getByRole('button', { name: 'Use this folder' }).click();
    await eventually(() => task.getByLabel('To Dropbox folder').inputValue()).toBe('/Backups');
    await task.getByText('More options').click();
    await task.getByLabel('When the target exists').selectOption('if-newer');
    // The page's header is sticky: from the top, it covers nothing in a full-page picture.
    await page.evaluate('window.scrollTo(0, 0)');
    // test/e2e/screenshots/job-editor.png (in the README) is a copy of this picture.
    await shot(page, 'job-editor');

    await page.locator('#save-job').click();
    await page.getByRole('heading', { name: 'Edit nightly' }).waitFor();
    const saved = parse(await jobFile());
    expect(saved).toEqual({
      name: 'nightly',
      schedule: '15 3 * * 1-5',
      timezone: 'Europe/Berlin',
      connection: 'box',
      tasks: [{ upload: { from: join(f.dir, 'outbox'), to: '/Backups', overwrite: 'if-newer' } }],
    });
    // Valid for the loader that `validate` uses: the daemon schedules it.
    await eventually(() => f.daemon.scheduler.health().jobs.map((j) => j.name)).toContain('nightly');

    await page.getByRole('link', { name: '← nightly' }).click();
    await page.getByRole('button', { name: 'Run now' }).click();
    await eventually(() => page.locator('#live-body').textContent()).toMatch(/success/);
    expect(String(await f.emulator.files.get(SANDY, '/Backups/notes.txt'))).toBe('written by the e2e test\n');

    // A comment and a key written by hand, then an edit in the page: both survive.
    await appendFile(join(f.dir, 'jobs/nightly.yaml'), 'catchUp: true # added by hand\n');
    await page.locator('#edit-job').click();
    await page.getByRole('heading', { name: 'Edit nightly' }).waitFor();
    await page.locator('#job-description').fill('Weekday backup of the outbox');
    await page.locator('#job-enabled').uncheck();
    await page.locator('#job-editor .card').first().getByText('More options').click();
    await page.getByLabel('Time limit').fill('2h');
    await page.locator('#save-job').click();
    await eventually(jobFile).toContain('description: Weekday backup of the outbox');
    const text = await jobFile();
    expect(text).toContain('catchUp: true # added by hand');
    expect(text).toContain('enabled: false');
    expect(text).toContain('timeout: 2h');
    // A refused save: the problem next to its field, the file untouched.
    await page.locator('#job-schedule').fill('0 0 31 2 *');
    await page.locator('#save-job').click();
    await eventually(() => page.locator('#job-schedule-error').textContent()).toMatch(/never fires|not a valid/);
    expect(await jobFile()).toBe(text);
  });

  it('builds a job a local trigger starts, without a schedule', async () => {
    await page.goto(`${f.url}/#/jobs/new`);
    await page.getByRole('heading', { name: 'New job' }).waitFor();
    await page.locator('#job-name').fill('scans');
    await page.locator('#job-connection').selectOption('box');
    await page.locator('#job-schedule').fill('');
    await page.locator('#job-trigger').selectOption('local');
    await page.locator('#trigger-path').fill('./scans');
    const options = page.locator('#job-trigger-options');
    await options.getByText('More options').click();
    await options.getByLabel('Stable for').fill('-1s');
    await page.locator('#add-task-type').selectOption('upload');
    await page.locator('#add-task').click();
    const task = page.locator('#task-list [data-task="0"]');
    await task.getByLabel('Local folders').fill('./scans');
    await task.getByLabel('To Dropbox folder').fill('/Scans');
    // A refused save: the problem next to the trigger's field.
    await page.locator('#save-job').click();
    await eventually(() => page.locator('#trigger-stableFor-error').textContent()).toMatch(/must be a duration/);
    await options.getByLabel('Stable for').fill('2s');
    await page.locator('#save-job').click();
    await page.getByRole('heading', { name: 'Edit scans' }).waitFor();
    expect(parse(await readFile(join(f.dir, 'jobs/scans.yaml'), 'utf8'))).toEqual({
      name: 'scans',
      trigger: { local: { path: './scans', stableFor: '2s' } },
      connection: 'box',
      tasks: [{ upload: { from: './scans', to: '/Scans' } }],
    });
    // Opened again, it stays trigger-only: no default schedule comes back.
    await eventually(() => page.locator('#job-trigger').inputValue()).toBe('local');
    expect(await page.locator('#job-schedule').inputValue()).toBe('');
  });
});
