import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixture, signIn, errorOf, basedOnCurrent, type Fixture } from './helpers.ts';
import { openVault } from '../../src/store/vault.ts';

const WORK = `# The office account: reached through the company proxy.
name: work
type: dropbox
account: business   # team space
app: custom
appKey: abc123key
appSecret: \${WORK_SECRET}
# Everything goes through squid.
proxy:
  type: http
  host: 127.0.0.1   # loopback in tests
  port: 3128
  username: svc
  password: \${PROXY_PW}
timeoutSeconds: 60
`;

const ENV_SECRET = 'env-secret-Zq81-from-the-environment';
const ENV_PROXY_PW = 'proxy-pw-from-env-7731';
const TYPED_SECRET = 'typed-app-secret-XK42-in-the-form';
const TYPED_PROXY_PW = 'typed-proxy-pw-Pp90';

describe('connections API', () => {
  let f: Fixture;
  let headers: Record<string, string>;
  beforeEach(async () => {
    f = await fixture({ 'connections/work.yaml': WORK }, { env: { WORK_SECRET: ENV_SECRET, PROXY_PW: ENV_PROXY_PW } });
    ({ headers } = await signIn(f.app));
  });
  afterEach(() => f.close());

  const file = () => readFile(join(f.dir, 'connections/work.yaml'), 'utf8');

  it('lists connections and shows secrets only as set / not set', async () => {
    const list = await f.app.inject({ method: 'GET', url: '/api/connections', headers });
    expect(list.statusCode).toBe(200);
    expect(list.json().connections).toMatchObject([
      { name: 'work', facts: { account: 'business', app: 'custom' }, proxy: 'http 127.0.0.1:3128', file: 'work.yaml' },
    ]);
    const one = await f.app.inject({ method: 'GET', url: '/api/connections/work', headers });
    const c = one.json().connection;
    expect(c.secrets).toEqual({
      appSecret: { set: true, source: 'env', variable: 'WORK_SECRET' },
      'proxy.password': { set: true, source: 'env', variable: 'PROXY_PW' },
    });
    expect(c.settings.proxy).toEqual({ type: 'http', host: '127.0.0.1', port: 3128, username: 'svc' });
    expect(c.settings.appSecret).toBeUndefined();
    for (const res of [list, one]) {
      expect(res.body).not.toContain(ENV_SECRET);
      expect(res.body).not.toContain(ENV_PROXY_PW);
    }
  });

  it('edits keep comments, key order and ${VAR} references; secrets go to the vault, never to YAML or responses', async () => {
    const res = await f.app.inject({
      method: 'PATCH',
      url: '/api/connections/work',
      headers: await basedOnCurrent(f.app, '/api/connections/work', headers),
      payload: {
        settings: { proxy: { type: 'http', host: '127.0.0.1', port: 8888, username: 'svc' }, description: 'Office' },
        secrets: { appSecret: TYPED_SECRET, 'proxy.password': TYPED_PROXY_PW },
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const text = await file();
    expect(text).toContain('# The office account: reached through the company proxy.');
    expect(text).toContain('account: business # team space');
    expect(text).toContain('# Everything goes through squid.');
    expect(text).toContain('host: 127.0.0.1 # loopback in tests');
    expect(text).toContain('port: 8888');
    expect(text).toContain('description: Office');
    // the secrets typed in the form replaced the YAML references
    expect(text).not.toContain('appSecret');
    expect(text).not.toContain('password');
    expect(text).not.toContain(TYPED_SECRET);
    expect(text).not.toContain(TYPED_PROXY_PW);
    const keys = text
      .split('\n')
      .filter((l) => /^[a-z]/i.test(l))
      .map((l) => l.split(':')[0]);
    expect(keys).toEqual(['name', 'type', 'account', 'app', 'appKey', 'proxy', 'timeoutSeconds', 'description']);
    // in the vault, encrypted
    const vault = await openVault(join(f.dir, 'state'), f.env);
    expect(await vault.secret('work', 'appSecret')).toBe(TYPED_SECRET);
    expect(await vault.secret('work', 'proxy.password')).toBe(TYPED_PROXY_PW);
    for (const name of await readdir(join(f.dir, 'state'), { recursive: true })) {
      const p = join(f.dir, 'state', name);
      if ((await stat(p)).isFile()) {
        const body = await readFile(p, 'utf8');
        expect(body, name).not.toContain(TYPED_SECRET);
        expect(body, name).not.toContain(TYPED_PROXY_PW);
      }
    }
    expect(res.body).not.toContain(TYPED_SECRET);
    expect(res.json().connection.secrets.appSecret).toEqual({ set: true, source: 'vault' });
    // and no later response carries them either
    for (const url of ['/api/connections', '/api/connections/work', '/api/jobs', '/api/openapi.json', '/']) {
      const body = (await f.app.inject({ method: 'GET', url, headers })).body;
      for (const s of [TYPED_SECRET, TYPED_PROXY_PW, ENV_SECRET, ENV_PROXY_PW]) expect(body, url).not.toContain(s);
    }
  });

  it('a secret of a setting an API edit removes is removed from the vault too', async () => {
    const patch = async (payload: Record<string, unknown>) => {
      const res = await f.app.inject({
        method: 'PATCH',
        url: '/api/connections/work',
        headers: await basedOnCurrent(f.app, '/api/connections/work', headers),
        payload,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().connection.secrets;
    };
    await patch({ settings: {}, secrets: { appSecret: TYPED_SECRET, 'proxy.password': TYPED_PROXY_PW } });
    const vault = async () => openVault(join(f.dir, 'state'), f.env);
    expect(await (await vault()).secretNames('work')).toEqual(expect.arrayContaining(['appSecret', 'proxy.password']));

    // The proxy switched off by an API client that sends no secrets at all.
    let secrets = await patch({ settings: { proxy: 'none' } });
    expect(secrets['proxy.password']).toEqual({ set: false });
    expect(await (await vault()).secret('work', 'proxy.password')).toBeUndefined();
    expect(secrets.appSecret).toEqual({ set: true, source: 'vault' });

    // The own app given up: its secret has no meaning for the built-in app.
    secrets = await patch({ settings: { app: 'builtin', appKey: null } });
    expect(secrets.appSecret).toEqual({ set: false });
    expect(await (await vault()).secretNames('work')).toEqual([]);
  });

  it('a secret written in clear in a YAML file is reported as such, never sent', async () => {
    const literal = 'literal-secret-in-yaml-551';
    await writeFile(
      join(f.dir, 'connections/old.yaml'),
      `name: old\ntype: dropbox\napp: custom\nappKey: k\nappSecret: ${literal}\n`,
    );
    const list = await f.app.inject({ method: 'GET', url: '/api/connections', headers });
    const one = await f.app.inject({ method: 'GET', url: '/api/connections/old', headers });
    expect(one.json().connection.secrets.appSecret).toEqual({ set: true, source: 'yaml' });
    for (const res of [list, one]) expect(res.body).not.toContain(literal);
    // typing it into the form moves it to the vault and out of the file
    const moved = await f.app.inject({
      method: 'PATCH',
      url: '/api/connections/old',
      headers: await basedOnCurrent(f.app, '/api/connections/old', headers),
      payload: { settings: {}, secrets: { appSecret: literal } },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.body).not.toContain(literal);
    expect(await readFile(join(f.dir, 'connections/old.yaml'), 'utf8')).toBe(
      'name: old\ntype: dropbox\napp: custom\nappKey: k\n',
    );
  });

  it('saving the settings as the form got them changes nothing in the file (no defaults written)', async () => {
    const before = await file();
    const { settings } = (await f.app.inject({ method: 'GET', url: '/api/connections/work', headers })).json()
      .connection;
    const res = await f.app.inject({
      method: 'PUT',
      url: '/api/connections/work',
      headers: await basedOnCurrent(f.app, '/api/connections/work', headers),
      payload: { settings },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await file()).toBe(before);
  });

  it('a full replace (PUT) removes left-out keys but keeps secret references it was not asked to change', async () => {
    const res = await f.app.inject({
      method: 'PUT',
      url: '/api/connections/work',
      headers: await basedOnCurrent(f.app, '/api/connections/work', headers),
      payload: {
        settings: {
          account: 'business',
          app: 'custom',
          appKey: 'abc123key',
          proxy: { type: 'http', host: '127.0.0.1', port: 3128, username: 'svc' },
        },
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const text = await file();
    expect(text).toContain('appSecret: ${WORK_SECRET}');
    expect(text).toContain('password: ${PROXY_PW}');
    expect(text).not.toContain('timeoutSeconds');
    expect(text).toContain('# Everything goes through squid.');
  });

  it('refuses an invalid edit with file:line:col and leaves the file untouched', async () => {
    const before = await file();
    const res = await f.app.inject({
      method: 'PATCH',
      url: '/api/connections/work',
      headers: await basedOnCurrent(f.app, '/api/connections/work', headers),
      payload: { settings: { proxy: { type: 'http', host: '127.0.0.1', port: 99999 } } },
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toMatch(/work\.yaml:\d+:\d+ proxy\.port must be <= 65535/);
    expect(await file()).toBe(before);
    const typo = await f.app.inject({
      method: 'PATCH',
      url: '/api/connections/work',
      headers: await basedOnCurrent(f.app, '/api/connections/work', headers),
      payload: { settings: { acount: 'personal' } },
    });
    expect(typo.statusCode).toBe(400);
    expect(errorOf(typo)).toMatch(/work\.yaml:\d+:\d+ acount unknown key 'acount' \(did you mean 'account'\?\)/);
    expect(await file()).toBe(before);
  });

  it('refuses secrets sent as settings, unknown secret fields and bad bodies with a one-line 4xx', async () => {
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['PATCH', '/api/connections/work', { settings: { appSecret: 'x' } }, 400, /settings\.appSecret is secret/],
      [
        'PATCH',
        '/api/connections/work',
        { settings: { proxy: { type: 'http', password: 'x' } } },
        400,
        /settings\.proxy\.password is secret/,
      ],
      [
        'PATCH',
        '/api/connections/work',
        { settings: {}, secrets: { appKey: 'x' } },
        400,
        /'appKey' is not a secret field/,
      ],
      ['PATCH', '/api/connections/work', { settings: {}, extra: 1 }, 400, /must NOT have additional properties/],
      ['PATCH', '/api/connections/work', 'not json', 400, /.+/],
      ['GET', '/api/connections/nope', undefined, 404, /no connection named 'nope'/],
      ['GET', '/api/connections/..%2Fetc', undefined, 400, /params\/name must match pattern/],
      ['POST', '/api/connections', { name: 'work', type: 'dropbox', settings: {} }, 409, /already exists/],
      ['POST', '/api/connections', { name: 'x', type: 'ftp', settings: {} }, 400, /unknown connection type 'ftp'/],
      [
        'POST',
        '/api/connections',
        { name: 'bad name', type: 'dropbox', settings: {} },
        400,
        /body\/name must match pattern/,
      ],
      [
        'GET',
        '/api/connections/work/browse?path=relative',
        undefined,
        400,
        /path must be '' \(the root\) or start with '\/'/,
      ],
      ['POST', '/api/jobs/none/run', {}, 404, /no job named 'none'/],
    ];
    for (const [method, url, payload, code, msg] of cases) {
      const res = await f.app.inject({
        method: method as 'GET',
        url,
        headers: { ...headers, ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}) },
        payload: payload as string,
      });
      expect(res.statusCode, `${method} ${url}`).toBe(code);
      const error = errorOf(res);
      expect(error, `${method} ${url}`).toMatch(msg);
      expect(error).not.toContain('\n');
    }
  });

  it('creates a connection file with the secret in the vault, then deletes it', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/connections',
      headers,
      payload: {
        name: 'mine',
        type: 'dropbox',
        settings: { account: 'personal', app: 'custom', appKey: 'k1', sandbox: true },
        secrets: { appSecret: TYPED_SECRET },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.body).not.toContain(TYPED_SECRET);
    const text = await readFile(join(f.dir, 'connections/mine.yaml'), 'utf8');
    expect(text).toMatch(/^# Created in the dropcron admin UI/);
    expect(text).toContain('name: mine\ntype: dropbox\naccount: personal\napp: custom\nappKey: k1\n');
    expect(text).not.toContain(TYPED_SECRET);
    expect(res.json().connection.secrets.appSecret).toEqual({ set: true, source: 'vault' });
    const invalid = await f.app.inject({
      method: 'POST',
      url: '/api/connections',
      headers,
      payload: { name: 'half', type: 'dropbox', settings: { app: 'custom' } },
    });
    expect(invalid.statusCode).toBe(400);
    expect(errorOf(invalid)).toMatch(/half\.yaml:\d+:\d+ appKey is required when app is 'custom'/);
    await expect(stat(join(f.dir, 'connections/half.yaml'))).rejects.toThrow();
    const del = await f.app.inject({ method: 'DELETE', url: '/api/connections/mine', headers });
    expect(del.statusCode, del.body).toBe(204);
    await expect(stat(join(f.dir, 'connections/mine.yaml'))).rejects.toThrow();
    const vault = await openVault(join(f.dir, 'state'), f.env);
    expect(await vault.secretNames('mine')).toEqual([]);
  });
});
