// Issue 16: links a run made, in the admin UI. A job uploading with `link: temporary` is
// run from its page; the run view lists the file and its link (clickable, a copy button,
// its expiry), the link serves the file without a token, and the view still shows the
// links after a reload (they come from the run record, not only the live event).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { adminConfig, daemonIn, launch, shot, signIn, type DaemonFixture } from './browser.ts';

const PASSWORD = 'e2e-links-password-123';
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 30_000, interval: 100 });
const JOB = `name: send-report
description: Uploads the report and links it
schedule: "0 7 * * 1"
timezone: UTC
connection: home
tasks:
  - upload: { from: $DIR/local, to: /Shared/Reports, link: temporary }
`;
const REPORT = 'quarter,revenue\nQ1,100\nQ2,120\n';

describe('links in the run view, in Chromium', () => {
  let f: DaemonFixture;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    f = await daemonIn(
      { 'connections/home.yaml': 'name: home\ntype: dropbox\nsandbox: true\n', 'jobs/send-report.yaml': JOB },
      adminConfig(PASSWORD),
    );
    await writeFile(join(f.dir, 'local', 'report.csv'), REPORT);
    browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: f.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await signIn(page, f.url, PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it('shows each uploaded file with its temporary link, which serves the file', async () => {
    await page.goto(`${f.url}/#/jobs/send-report`);
    await page.getByRole('button', { name: 'Run now' }).click();
    const live = page.locator('#live-body');
    await eventually(() => live.locator('.badge').first().textContent()).toBe('success');
    const row = page.locator('#links tbody tr');
    await eventually(() => row.count()).toBe(1);
    expect(await row.locator('td').nth(0).textContent()).toBe('1. upload');
    expect(await row.locator('td').nth(1).textContent()).toBe('/Shared/Reports/report.csv');
    const url = (await row.locator('a').getAttribute('href'))!;
    expect(await row.locator('a').textContent()).toBe(url);
    // A temporary link lasts 4 hours: the expiry is shown, in words, from the record's date.
    const expires = (await row.locator('time').getAttribute('datetime'))!;
    const hoursLeft = (Date.parse(expires) - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(3.5);
    expect(hoursLeft).toBeLessThanOrEqual(4);
    expect(await row.locator('time').textContent()).toMatch(/hours?/);

    // The link serves the file as Dropbox's does: no token, the bytes as uploaded.
    const served = await fetch(url);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe(REPORT);

    // Copy puts the very link on the clipboard.
    await row.getByRole('button', { name: 'Copy the link to /Shared/Reports/report.csv' }).click();
    await eventually(() => page.evaluate('navigator.clipboard.readText()')).toBe(url);
    // test/e2e/screenshots/run-links.png (in the README) is a copy of this picture.
    await shot(page, 'run-links');

    // From the run record after a reload, not only from the live event.
    await page.reload();
    await eventually(() => page.locator('#links tbody tr a').getAttribute('href')).toBe(url);
  });
});
