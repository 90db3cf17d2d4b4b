// Choosing a team member and a namespace from lists in the connection form, in headless
// Chromium against a real daemon and the sandbox: a Business connection linked by the
// team's admin offers the team's members for "Act as team member" and its namespaces
// for "Root of paths"; the picks are saved into the YAML file. A connection that is not
// authorised says why it has no list, and an id typed by hand is still taken.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Browser, Page } from 'playwright-core';
import { signIn, adminConfig, launch, daemonIn, shot, type DaemonFixture } from './browser.ts';

const PASSWORD = 'e2e-admin-password-789';
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 30_000, interval: 100 });
const TEAM_SCOPES =
  '[account_info.read, files.metadata.read, files.metadata.write, files.content.read, files.content.write, team_data.member, members.read]';

describe('values to choose from in the connection form', () => {
  let browser: Browser;
  let page: Page;
  let f: DaemonFixture;
  let BOB: string;

  beforeAll(async () => {
    f = await daemonIn(
      {
        // The sandbox signs a business connection in as the team's admin on first use;
        // with the team scopes that is a team-admin link.
        'connections/acme.yaml': `name: acme\ntype: dropbox\nsandbox: true\naccount: business\nscopes: ${TEAM_SCOPES}\n`,
      },
      adminConfig(PASSWORD),
    );
    BOB = f.emulator.seed.teams![0]!.members.find((m) => m.email === 'bob@acme.example')!.id;
    // Dropbox itself (here the sandbox's address, so no automatic sign-in): never authorised.
    await writeFile(
      join(f.dir, 'connections/elsewhere.yaml'),
      `name: elsewhere\ntype: dropbox\naccount: business\nendpoints:\n  api: ${f.emulator.url}\n`,
    );
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  const yamlOf = async (name: string) => parse(await readFile(join(f.dir, `connections/${name}.yaml`), 'utf8'));

  it('picks a member and a namespace from the lists and saves their ids', async () => {
    await signIn(page, f.url, PASSWORD);

    // The test report of a team link lists the team, with the ids (and signs the sandbox connection in).
    await page.goto(`${f.url}/#/connections/acme`);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await eventually(() => page.locator('#test-report').textContent()).toContain(`${BOB}  Bob Builder`);

    await page.goto(`${f.url}/#/connections/acme/settings`);
    await eventually(() => page.locator('#view h1 .badge').textContent()).toBe('Authorised');
    const root = page.getByLabel('Root of paths');
    await root.click();
    await eventually(() => page.locator('#business-pathRoot-choices-status').textContent()).toBe('6 to choose from.');
    await page
      .locator('#business-pathRoot-choices')
      .getByRole('option', { name: /Team Shared/ })
      .click();
    await eventually(() => root.inputValue()).toBe('ns:2004');
    await eventually(() => page.locator('#business-pathRoot-choices').isHidden()).toBe(true);

    const member = page.getByLabel('Act as team member');
    await member.click();
    const members = page.locator('#business-selectUser-choices');
    await eventually(() => members.getByRole('option').count()).toBe(2);
    // Typing filters on the server: a team may have thousands of people.
    await member.fill('bui');
    await eventually(() => members.getByRole('option').allTextContents()).toEqual([
      `Bob Builder${BOB}bob@acme.example`,
    ]);
    await member.fill('');
    await eventually(() => members.getByRole('option').count()).toBe(2);
    await page.evaluate('window.scrollTo(0, 0)');
    // test/e2e/screenshots/team-picker.png (in the README) is a copy of this picture.
    await shot(page, 'team-picker');
    await members.getByRole('option', { name: /Bob Builder/ }).click();
    await eventually(() => member.inputValue()).toBe(BOB);

    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => (await yamlOf('acme')).business).toEqual({ pathRoot: 'ns:2004', selectUser: BOB });
  });

  it('says why a connection that is not authorised has no list; a typed id is kept', async () => {
    await page.goto(`${f.url}/#/connections`);
    await page.getByRole('link', { name: 'elsewhere', exact: true }).waitFor();
    await page.goto(`${f.url}/#/connections/elsewhere/settings`);
    const member = page.getByLabel('Act as team member');
    await member.click();
    await eventually(() => page.locator('#business-selectUser-choices-status').textContent()).toBe(
      "No list to choose from: connection 'elsewhere' is not authorised; run: dropcron auth elsewhere (or sign in from the admin UI)",
    );
    await member.fill(BOB);
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => (await yamlOf('elsewhere')).business).toEqual({ selectUser: BOB });
  });
});
