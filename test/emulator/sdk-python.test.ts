// The official Python `dropbox` SDK (Debian python3-dropbox, 11.34), unchanged, against the
// emulator over TLS. 11.34's dropbox/session.py reads DROPBOX_API_HOST,
// DROPBOX_API_CONTENT_HOST, DROPBOX_API_NOTIFY_HOST and DROPBOX_WEB_HOST at import and builds
// https://<host>/... from them, so all four are set to 127.0.0.1:<port>. The self-signed
// certificate is passed as the SDK's `ca_certs=` and also as REQUESTS_CA_BUNDLE, because 11.34's
// ca_certs is overridden by requests' own per-request verification (see the script's
// docstring; fixed upstream later). The checks live in
// sdk_python_check.py (it exits non-zero on the first disagreement); this test runs it and
// asserts on its JSON summary and on the emulator's request log.
//
// /usr/bin/python3 on purpose: the Debian package installs into /usr/lib/python3/dist-packages,
// which a python3 earlier on PATH (pyenv, a venv) does not see. .ci/run installs the package.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdOf, startEmulator, type Emulator } from './helpers.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./sdk_python_check.py', import.meta.url));

let emu: Emulator;
let dir: string;
// The default seed's, as is: Dropbox-shaped (the SDK checks users_common.AccountId's 40 characters).
let SANDY: string;

beforeAll(async () => {
  emu = await startEmulator({ tls: true });
  SANDY = accountIdOf(emu, 'sandy');
  expect(SANDY).toMatch(/^dbid:[A-Za-z0-9_-]{35}$/);
  dir = await mkdtemp(join(tmpdir(), 'dropcron-sdk-python-'));
});
afterAll(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      [SCRIPT],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONIOENCODING: 'utf-8', ...env },
        timeout: 45_000,
        maxBuffer: 4 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        resolve({
          code: err ? ((err as { code?: number }).code ?? null) : 0,
          stdout,
          stderr: stderr + (err && !('code' in err && typeof err.code === 'number') ? `\n${String(err)}` : ''),
        });
      },
    );
  });
}

describe('official dropbox SDK (Python, python3-dropbox 11.34)', () => {
  it('OAuth code + PKCE, refresh, uploads (non-ASCII, session), paginated listing, downloads, folders, deletes and 409 unions', async () => {
    const host = new URL(emu.url).host;
    expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = join(dir, 'emulator-ca.pem');
    await writeFile(ca, emu.ca!);
    // A 1-second access token with its refresh token: the script waits it out and the SDK must
    // refresh and retry on the emulator's 401 expired_access_token by itself.
    const short = emu.issueToken({ ttlSeconds: 1 });
    const shortExpiresMs = Date.now() + 1000;
    const since = emu.requests.length;

    const r = await run({
      DROPBOX_API_HOST: host,
      DROPBOX_API_CONTENT_HOST: host,
      DROPBOX_API_NOTIFY_HOST: host,
      DROPBOX_WEB_HOST: host,
      REQUESTS_CA_BUNDLE: ca,
      EMU_CA: ca,
      EMU_APP_KEY: 'dropcron-sandbox',
      EMU_ACCOUNT_ID: SANDY,
      EMU_SHORT_ACCESS: short.accessToken,
      EMU_SHORT_REFRESH: short.refreshToken,
      EMU_SHORT_EXPIRES_MS: String(shortExpiresMs),
    });
    if (r.code !== 0) throw new Error(`sdk_python_check.py exited ${r.code}\n${r.stderr}\n${r.stdout}`);
    const lines = r.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!);

    expect(summary.sdk_version).toMatch(/^11\./);
    expect(summary.oauth).toEqual({
      account_id: SANDY,
      uid: expect.any(String),
      has_refresh: true,
      reused_code: '400 invalid_grant',
    });
    expect(summary.account).toMatchObject({ account_id: SANDY, email: 'sandy@example.com', root_info: 'UserRootInfo' });
    const name = 'Résumé ✓ 日本.txt';
    expect(summary.upload).toMatchObject({ name, path_display: `/PySDK/${name}`, downloaded: true });
    expect(summary.session).toMatchObject({ size: 5 * 1024 * 1024 + 12345, downloaded: true });
    expect(summary.list.pages).toBeGreaterThanOrEqual(3);
    expect(summary.list.names).toEqual([name, 'big.bin', 'n0.txt', 'n1.txt', 'n2.txt', 'n3.txt', 'Sub'].sort());
    expect(summary.errors).toEqual({
      get_metadata: 'path/not_found',
      download: 'path/not_found',
      delete_v2: 'path_lookup/not_found',
      create_folder_v2: 'path/conflict/folder',
    });
    expect(summary.upload_link).toEqual({ status: 200, reused: 410, size: 22 });
    expect(summary.expired_retry).toBe(true);

    // The emulator saw what the SDK says it did, and kept it.
    expect((await emu.files.get('sandy@example.com', `/PySDK/${name}`))?.toString('utf8')).toBe(
      'héllo from the Python SDK ✓ 日本\n',
    );
    expect((await emu.files.get('sandy@example.com', '/PySDK/big.bin'))?.length).toBe(5 * 1024 * 1024 + 12345);
    expect(await emu.files.get('sandy@example.com', '/PySDK/n0.txt')).toBeUndefined();
    const log = emu.requests.slice(since);
    const routes = log.map((x) => `${x.route} ${x.status}`);
    // exchange, reused code refused, refresh before the first call; then 401 -> refresh -> retry.
    expect(routes.slice(0, 5)).toEqual([
      'oauth2/authorize 200',
      'oauth2/authorize 200',
      'oauth2/token 200',
      'oauth2/token 400',
      'oauth2/token 200',
    ]);
    expect(routes.slice(-3)).toEqual([
      'users/get_current_account 401',
      'oauth2/token 200',
      'users/get_current_account 200',
    ]);
    expect(routes).toEqual(
      expect.arrayContaining([
        'files/upload_session/start 200',
        'files/upload_session/append_v2 200',
        'files/upload_session/append_v2 409',
        'files/upload_session/finish 200',
        'files/list_folder/continue 200',
        'files/upload 409',
      ]),
    );
    // The upload link is used by plain HTTP (requests), as files.stone's curl example does.
    expect(log.filter((x) => x.route.startsWith('apitul/')).map((x) => x.status)).toEqual([200, 410]);
    expect(
      log.every(
        (x) =>
          (x.headers['user-agent'] ?? '').startsWith('OfficialDropboxPythonSDKv2') ||
          x.route.startsWith('oauth2/') ||
          x.route.startsWith('apitul/'),
      ),
    ).toBe(true);
  });
});
