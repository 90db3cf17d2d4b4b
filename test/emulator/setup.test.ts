// Ways to start the emulator: seed files and objects, TLS, IPv6, the daemon's sandbox
// hook, the CLI's arguments; plus download niceties (GET, ETag, arg in the URL).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCommand } from '../../plugins/dropbox/emulator/command.ts';
import plugin from '../../plugins/dropbox/index.ts';
import type { Services } from '../../src/plugin.ts';
import { accountIdOf, client, headerSafeJson, memberOf, startEmulator } from './helpers.ts';
import { REDIRECT, consent, token } from './oauth-helpers.ts';
import { until } from '../helpers/wait.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropcron-emulator-setup-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('seeds', () => {
  it('loads a YAML seed file with accounts and files', async () => {
    const file = join(dir, 'seed.yaml');
    await writeFile(
      file,
      `apps:\n  - key: my-app\n    secret: s3\n    redirectUris: [http://127.0.0.1:9999/cb]\n    scopes: [account_info.read, files.metadata.read, files.content.read]\naccounts:\n  - id: dbid:zed\n    name: Zed Zero\n    email: zed@example.com\n    quotaBytes: 1000\n    files: { "/hello.txt": "hi" }\n`,
    );
    const emu = await startEmulator({ seed: file });
    try {
      expect(emu.seed.apps.map((a) => a.key)).toEqual(['my-app']);
      const c = client(emu, emu.issueToken({ app: 'my-app', account: 'zed' }).accessToken);
      expect((await c.rpc('users/get_space_usage')).json).toEqual({
        used: 2,
        allocation: { '.tag': 'individual', allocated: 1000 },
      });
      expect((await c.download({ path: '/hello.txt' })).body.toString()).toBe('hi');
      expect((await c.upload('files/upload', { path: '/x' }, 'x')).json.error).toEqual({
        '.tag': 'missing_scope',
        required_scope: 'files.content.write',
      });
    } finally {
      await emu.close();
    }
  });

  it('refuses a seed without apps or accounts', async () => {
    await expect(startEmulator({ seed: { accounts: [] } as never })).rejects.toThrow(/apps/);
  });

  it('the default seed has Dropbox-shaped ids, and its short names are aliases wherever an account is named', async () => {
    const emu = await startEmulator();
    try {
      const sandy = emu.seed.accounts[0]!;
      const acme = emu.seed.teams![0]!;
      expect([sandy.alias, acme.alias, ...acme.members.map((m) => m.alias)]).toEqual(['sandy', 'acme', 'alice', 'bob']);
      const accountIds = [sandy.id, ...acme.members.map((m) => m.accountId)];
      for (const id of accountIds) expect(id).toMatch(/^dbid:[A-Za-z0-9_-]{35}$/);
      for (const m of acme.members) expect(m.id).toMatch(/^dbmid:[A-Za-z0-9_-]{34}$/);
      expect(acme.id).toMatch(/^dbtid:[A-Za-z0-9_-]{34}$/);
      expect(new Set([...accountIds, ...acme.members.map((m) => m.id), acme.id]).size).toBe(6);

      const alice = accountIdOf(emu, 'alice');
      const bob = accountIdOf(emu, 'bob');
      const named: Array<[string, string]> = [
        ['sandy', sandy.id],
        ['alice', alice],
        ['bob', bob],
        ['bob@acme.example', bob],
        [memberOf(emu, 'bob').memberId, bob],
        [alice, alice],
      ];
      for (const [name, id] of named) {
        const me = await client(emu, emu.issueToken({ account: name }).accessToken).rpc('users/get_current_account');
        expect([name, me.json.account_id]).toEqual([name, id]);
      }
      await emu.files.put('bob', '/by-alias.txt', 'b');
      expect(emu.files.list(bob)).toEqual(['/by-alias.txt']);
      expect(emu.files.list('alice')).toEqual([]);

      // The consent page: &account=alice preselects her; a form naming her by alias links her.
      const params = {
        client_id: 'dropcron-sandbox',
        response_type: 'code',
        redirect_uri: REDIRECT,
        code_challenge: 'c'.repeat(43),
        code_challenge_method: 'plain',
      };
      const html = await (
        await fetch(`${emu.url}/oauth2/authorize?${new URLSearchParams({ ...params, account: 'alice' })}`)
      ).text();
      expect(html).toContain(`<option value="${alice}" selected>`);
      expect(html.match(/ selected>/g)).toHaveLength(1);
      const r = await consent(emu, params, { account: 'alice' });
      const code = new URL(r.location!).searchParams.get('code')!;
      const t = await token(emu, {
        grant_type: 'authorization_code',
        code,
        client_id: 'dropcron-sandbox',
        code_verifier: 'c'.repeat(43),
        redirect_uri: REDIRECT,
      });
      expect(t.json.account_id).toBe(alice);
      // Naming an account that does not exist signs nobody in (never the first account).
      const unknown = await consent(emu, params, { account: 'mallory' });
      expect(unknown.res!.status).toBe(400);
      expect(unknown.location).toBeNull();
      expect(unknown.body).toContain("There is no account 'mallory' in this sandbox.");
    } finally {
      await emu.close();
    }
  });

  it('files.put/get/list work by short name or full id, for members too', async () => {
    const emu = await startEmulator();
    try {
      await emu.files.put(memberOf(emu, 'alice').memberId, '/Reports/q1.txt', 'q1', {
        clientModified: '2020-01-01T00:00:00Z',
      });
      expect((await emu.files.get('alice', '/reports/Q1.TXT'))!.toString()).toBe('q1');
      expect(emu.files.list(accountIdOf(emu, 'alice'))).toEqual(['/Reports', '/Reports/q1.txt']);
      expect(emu.files.list('bob')).toEqual([]);
      const md = (
        await client(emu, emu.issueToken({ account: 'alice' }).accessToken).rpc('files/get_metadata', {
          path: '/reports/q1.txt',
        })
      ).json;
      expect(md.client_modified).toBe('2020-01-01T00:00:00Z');
      expect(() => emu.files.list('nobody')).toThrow(/no account/);
    } finally {
      await emu.close();
    }
  });
});

describe('listening', () => {
  it('serves HTTPS with a self-signed certificate exposed as ca', async () => {
    const emu = await startEmulator({ tls: true });
    try {
      expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(emu.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
      const token = emu.issueToken().accessToken;
      const trusted = new Agent({ connect: { ca: emu.ca } });
      const r = await request(`${emu.url}/2/users/get_current_account`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        dispatcher: trusted,
      });
      expect(r.statusCode).toBe(200);
      expect(((await r.body.json()) as { email: string }).email).toBe('sandy@example.com');
      await trusted.close();
      await expect(
        request(`${emu.url}/2/users/get_current_account`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}` },
        }),
      ).rejects.toThrow();
    } finally {
      await emu.close();
    }
  });

  it('listens on ::1', async () => {
    const emu = await startEmulator({ host: '::1' });
    try {
      expect(emu.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await client(emu, emu.issueToken().accessToken).rpc('users/get_current_account')).status).toBe(200);
    } finally {
      await emu.close();
    }
  });

  it('startSandbox starts it on config.dropbox.sandboxPort and the plugin exposes it', async () => {
    expect(plugin.commands).toContain(emulatorCommand);
    const logged: unknown[] = [];
    const bindings: unknown[] = [];
    const log = {
      child: (b: unknown) => (bindings.push(b), log),
      debug: (l: unknown) => logged.push(l),
    };
    const services = {
      config: { admin: { host: '127.0.0.1', port: 8470 }, dropbox: { sandboxPort: 0 } },
      log,
    } as unknown as Services;
    // Through the plugin, which imports the emulator only now (not when it loads).
    const sb = await plugin.startSandbox!(services);
    try {
      expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${sb.url}/`)).status).toBe(200);
      // The emulator's lines go to the daemon's log at debug, marked as the sandbox's.
      expect(bindings).toEqual([{ part: 'dropbox-sandbox' }]);
      expect(logged).toEqual([
        { msg: 'emulator listening', url: sb.url },
        {
          msg: 'request',
          method: 'GET',
          route: '', // the emulator's home page, outside /2/
          status: 200,
          bytesIn: 0,
          bytesOut: expect.any(Number),
          ms: expect.any(Number),
        },
      ]);
    } finally {
      await sb.close();
    }
  });
});

describe('CLI arguments', () => {
  const io = () => {
    let out = '';
    const sink = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
    return { cli: { configFile: undefined, stdout: sink, stderr: sink, stdin: process.stdin }, out: () => out };
  };
  it('rejects bad numbers and unknown options before starting', async () => {
    await expect(emulatorCommand.run(['--port', 'abc'], io().cli)).rejects.toThrow(/--port needs a number/);
    await expect(emulatorCommand.run(['--failure-rate', '2'], io().cli)).rejects.toThrow(/<= 1/);
    await expect(emulatorCommand.run(['--warp'], io().cli)).rejects.toThrow(/unknown option --warp/);
  });
  it('names a bad option even when its port is taken (it binds nothing first)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as AddressInfo).port);
    try {
      for (const bad of [
        ['--failure-rate', '2'],
        ['--rate-limit', '0'],
        ['--quota', '-1'],
      ])
        await expect(emulatorCommand.run(['--port', port, ...bad], io().cli)).rejects.toThrow(/--\S+ needs a number/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
  it('prints its URL and stops on SIGTERM', async () => {
    const { cli, out } = io();
    const done = emulatorCommand.run(['--port', '0', '--latency', '5', '--write-contention'], cli);
    await until(() => out().includes('listening'), 'the emulator to print its URL');
    const url = /listening on (\S+)/.exec(out())![1]!;
    expect((await fetch(`${url}/`)).status).toBe(200);
    process.emit('SIGTERM');
    expect(await done).toBe(0);
  });
});

describe('download niceties', () => {
  it('GET with the arg in the URL, and ETag / If-None-Match', async () => {
    const emu = await startEmulator();
    try {
      const token = emu.issueToken().accessToken;
      await emu.files.put('sandy', '/e.txt', 'etag me');
      const r = await fetch(
        `${emu.url}/2/files/download?arg=${encodeURIComponent(JSON.stringify({ path: '/e.txt' }))}`,
        { headers: { Authorization: `Bearer ${token}` } },
      );
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('etag me');
      const etag = r.headers.get('etag')!;
      const again = await fetch(`${emu.url}/2/files/download`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Dropbox-API-Arg': headerSafeJson({ path: '/e.txt' }),
          'If-None-Match': etag,
        },
      });
      expect(again.status).toBe(304);
      const c = client(emu, token);
      const id = (await c.upload('files/upload_session/start', {}, 'ab')).json.session_id;
      expect((await c.upload('files/upload_session/append', { session_id: id, offset: 2 }, 'cd')).status).toBe(200);
      const fin = await c.upload(
        'files/upload_session/finish',
        { cursor: { session_id: id, offset: 4 }, commit: { path: '/v1.txt' } },
        '',
      );
      expect(fin.json.size).toBe(4);
    } finally {
      await emu.close();
    }
  });
});
