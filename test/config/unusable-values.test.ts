// Values that pass a loose schema but can never work (a CA file that is not there, a
// proxy host that is a URL, a javascript: redirect, a file:// endpoint, an empty
// path) are problems for `validate`, at their file:line:col, saying what is accepted:
// otherwise every run fails later with a bare ENOENT or a request to nowhere.
import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { formatProblem } from '../../src/config/problems.ts';
import { tree } from './fixtures.ts';

const okJob = 'name: ok\nschedule: "0 2 * * *"\nconnection: ok\ntasks:\n  - list: { path: /a }\n';

/** The problems `validate` prints for these files, beside a valid connection and job. */
async function problemsOf(files: Record<string, string>) {
  const dir = await tree({
    'config.yaml': 'admin: { port: 0 }\nstate: ./state\n',
    'connections/ok.yaml': 'name: ok\ntype: dropbox\n',
    'jobs/ok.yaml': okJob,
    ...files,
  });
  const loaded = await loadConfig(join(dir, 'config.yaml'), { env: {} });
  return { dir, loaded, lines: loaded.problems.map((p) => formatProblem(p, dir)) };
}

/** `file:line:col` of the first `needle` in `text` (1-based, as validate prints). */
function at(file: string, text: string, needle: string): string {
  const i = text.indexOf(needle);
  const before = text.slice(0, i).split('\n');
  return `${file}:${before.length}:${before.at(-1)!.length + 1}`;
}

const connection = (name: string, extra: string) => `name: ${name}\ntype: dropbox\n${extra}\n`;

describe('validate refuses values that cannot work', () => {
  const cases: Array<[what: string, file: string, text: string, needle: string, expected: string]> = [
    [
      'a proxy CA file that does not exist',
      'connections/ca.yaml',
      connection('ca', 'proxy: { type: https, host: proxy.example, port: 3128, ca: /nonexistent.pem }'),
      '/nonexistent.pem',
      "proxy.ca cannot read /nonexistent.pem (no such file); give the PEM file of the CA that signed the proxy's certificate",
    ],
    [
      'a proxy host with a space',
      'connections/sp.yaml',
      connection('sp', 'proxy: { type: http, host: "a b", port: 3128 }'),
      '"a b"',
      'proxy.host must be a host name or IP address (e.g. proxy.example.com or 10.0.0.1), without scheme, credentials, port or spaces',
    ],
    [
      'a proxy host that is a URL',
      'connections/url.yaml',
      connection('url', 'proxy: { type: http, host: "http://127.0.0.1:3128", port: 3128 }'),
      '"http://',
      'proxy.host must be a host name or IP address, not a URL: use host: 127.0.0.1 and port: 3128',
    ],
    [
      'a javascript: redirect URL',
      'connections/js.yaml',
      connection('js', 'redirectUrl: "javascript:alert(1)"'),
      '"javascript',
      'redirectUrl must be an http:// or https:// URL registered for the app in the Dropbox App Console',
    ],
    [
      'a file:// endpoint',
      'connections/file.yaml',
      connection('file', 'endpoints: { api: "file:///etc/passwd" }'),
      '"file:',
      'endpoints.api must be an http:// or https:// URL',
    ],
    [
      'a gopher:// endpoint',
      'connections/gopher.yaml',
      connection('gopher', 'endpoints: { content: "gopher://x" }'),
      '"gopher',
      'endpoints.content must be an http:// or https:// URL',
    ],
    [
      'a proxy type nobody supports',
      'connections/s4a.yaml',
      connection('s4a', 'proxy: { type: socks4a, host: h, port: 1080 }'),
      'socks4a',
      'proxy.type must be one of none, system, http, https, socks5',
    ],
    [
      'an upload to an empty Dropbox path',
      'jobs/up.yaml',
      'name: up\nschedule: "0 2 * * *"\nconnection: ok\ntasks:\n  - upload: { from: ./in, to: "" }\n',
      '""',
      "tasks[0].upload.to must be a Dropbox path starting with '/' ('/' is the root of the connection)",
    ],
    [
      'a download from an empty Dropbox path',
      'jobs/down.yaml',
      'name: down\nschedule: "0 2 * * *"\nconnection: ok\ntasks:\n  - download: { from: "", to: ./out }\n',
      '""',
      "tasks[0].download.from must be a Dropbox folder starting with '/', or 'previous' for the files the previous task listed",
    ],
  ];
  for (const [what, file, text, needle, expected] of cases) {
    it(`reports ${what}`, async () => {
      const { lines } = await problemsOf({ [file]: text });
      expect(lines).toEqual([`${at(file, text, needle)} ${expected}`]);
    });
  }

  it('a CA file that is not PEM is a problem too; a PEM one is accepted', async () => {
    const text = (ca: string) => connection('ca', `proxy: { type: https, host: proxy.example, port: 3128, ca: ${ca} }`);
    const { dir } = await problemsOf({});
    await writeFile(join(dir, 'ca.der'), Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    await writeFile(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const der = connection('ca', `proxy: { type: https, host: proxy.example, port: 3128, ca: ${join(dir, 'ca.der')} }`);
    expect((await problemsOf({ 'connections/ca.yaml': der })).lines).toEqual([
      `${at('connections/ca.yaml', der, dir)} proxy.ca ${join(dir, 'ca.der')} holds no PEM certificate (-----BEGIN CERTIFICATE-----); a DER file converts with: openssl x509 -inform der -in ${join(dir, 'ca.der')} -out ca.pem`,
    ]);
    expect((await problemsOf({ 'connections/ca.yaml': text(join(dir, 'ca.pem')) })).lines).toEqual([]);
  });

  it("a relative CA path is read from config.yaml's folder, wherever dropcron runs", async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const text = connection('ca', 'proxy: { type: https, host: proxy.example, port: 3128, ca: certs/ca.pem }');
    const { lines, loaded, dir } = await problemsOf({ 'connections/ca.yaml': text, 'certs/ca.pem': pem });
    expect(lines).toEqual([]);
    expect(loaded.connections.find((c) => c.name === 'ca')?.proxy).toMatchObject({ ca: join(dir, 'certs/ca.pem') });
  });

  it('a proxy host with credentials in it is refused without repeating them', async () => {
    const text = connection('cred', 'proxy: { type: http, host: "svc:s3cret@proxy.example", port: 3128 }');
    const { lines } = await problemsOf({ 'connections/cred.yaml': text });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/proxy\.host must be a host name or IP address/);
    expect(lines[0]).not.toContain('s3cret');
  });

  it('a proxy host may be a name, an IPv4 or an IPv6 address', async () => {
    for (const host of ['proxy.example.com', 'proxy_1.corp', '10.0.0.1', '::1', '"[::1]"']) {
      const { lines } = await problemsOf({
        'connections/h.yaml': connection('h', `proxy: { type: http, host: ${host}, port: 3128 }`),
      });
      expect(lines, host).toEqual([]);
    }
  });
});
