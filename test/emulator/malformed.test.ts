// Bad input gets Dropbox's status and shape, and never takes the emulator down.
import { describe, expect, it } from 'vitest';
import { useEmulator, type Client, type Emulator } from './helpers.ts';

let emu: Emulator;
let c: Client;
let token: string;
useEmulator((s) => ({ emu, token, c } = s));

const raw = (route: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${emu.url}/2/${route}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    body,
  }).then(async (r) => ({
    status: r.status,
    type: r.headers.get('content-type'),
    text: await r.text(),
  }));

describe('RPC bodies', () => {
  it('malformed JSON, unknown fields, wrong types, missing fields are 400 plain text', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['files/list_folder', '{"path": ', /request body: could not decode input as JSON/],
      ['files/list_folder', '{"path": "", "bogus": 1}', /request body: unknown field 'bogus'/],
      [
        'files/list_folder',
        '{"path": "", "recursive": "yes"}',
        /request body: recursive: expected boolean, got string/,
      ],
      ['files/list_folder', '{"path": 5}', /request body: path: expected string, got integer/],
      ['files/list_folder', '{}', /request body: missing required field 'path'/],
      ['files/list_folder', '{"path": "", "limit": 0}', /request body: limit: 0 is not greater than or equal to 1/],
      ['files/list_folder', '{"path": "", "limit": 2001}', /limit: 2001 is not less than or equal to 2000/],
      ['files/list_folder', '[]', /request body: expected object, got list/],
      ['files/list_folder', '{"path": "relative"}', /path: 'relative' did not match pattern/],
      ['files/get_metadata', '{"path": ""}', /path: '' did not match pattern/],
      ['files/get_metadata', '{"path": "/"}', /The root folder is unsupported/],
      ['files/create_folder_v2', '{"path": "id:abc"}', /did not match pattern/],
      ['files/delete_v2', '{"path": "/x", "parent_rev": "xyz"}', /parent_rev: 'xyz' has fewer than 9 character/],
      [
        'files/search_v2',
        '{"query": "a", "options": {"file_status": {".tag": "lost"}}}',
        /options.file_status: unknown tag 'lost'/,
      ],
      ['files/search_v2', `{"query": "${'q'.repeat(1001)}"}`, /query: string is longer than 1000/],
    ];
    for (const [route, body, want] of cases) {
      const r = await raw(route, body);
      expect(r.status, `${route} ${body}`).toBe(400);
      expect(r.type).toMatch(/^text\/plain/);
      expect(r.text).toMatch(new RegExp(`^Error in call to API function "${route.replace(/\//g, '\\/')}": `));
      expect(r.text).toMatch(want);
    }
  });

  it('a wrong Content-Type is a 400 naming the expected ones', async () => {
    const r = await raw('files/list_folder', '{"path": ""}', { 'Content-Type': 'text/html' });
    expect(r.status).toBe(400);
    expect(r.text).toContain('Bad HTTP "Content-Type" header: "text/html"');
  });

  it('unknown routes are 404 and GET on an RPC route is refused', async () => {
    expect((await raw('files/teleport', '{}')).status).toBe(404);
    const get = await fetch(`${emu.url}/2/files/list_folder`, { headers: { Authorization: `Bearer ${token}` } });
    expect(get.status).toBe(405);
  });

  it('unions accept a bare tag or an object; inlined struct members too', async () => {
    await c.upload('files/upload', { path: '/u.txt' }, 'one');
    const bare = await c.upload('files/upload', { path: '/u.txt', mode: 'overwrite' }, 'two');
    expect(bare.status).toBe(200);
    const obj = await c.upload(
      'files/upload',
      { path: '/u.txt', mode: { '.tag': 'update', update: bare.json.rev } },
      'three',
    );
    expect(obj.status).toBe(200);
    const voidWithValue = await c.upload('files/upload', { path: '/u.txt', mode: { '.tag': 'add', add: 1 } }, 'x');
    expect(voidWithValue.status).toBe(400);
  });
});

describe('Dropbox-API-Arg', () => {
  const upload = (arg: string | undefined, extra: Record<string, string> = {}) =>
    fetch(`${emu.url}/2/files/upload`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/octet-stream',
        ...(arg === undefined ? {} : { 'Dropbox-API-Arg': arg }),
        ...extra,
      },
      body: 'data',
    }).then(async (r) => ({ status: r.status, text: await r.text() }));

  it('bad JSON, a missing header, a wrong Content-Type are 400', async () => {
    const bad = await upload('{"path": ');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('HTTP header "Dropbox-API-Arg": could not decode input as JSON');
    expect((await upload(undefined)).text).toContain('Must provide HTTP header "Dropbox-API-Arg"');
    expect((await upload('{"path": "/ok.txt"}', { 'Content-Type': 'application/json' })).status).toBe(400);
  });

  it('non-ASCII must arrive \\uXXXX-escaped: escaped works, raw bytes are a 400', async () => {
    const name = '/Überweisung 日本 😀.txt';
    const escaped = JSON.stringify({ path: name }).replace(
      /[\u007f-\uffff]/g,
      (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'),
    );
    const ok = await upload(escaped);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).path_display).toBe(name);
    // Raw UTF-8 in a header: undici refuses to send it, so speak HTTP by hand.
    const { connect } = await import('node:net');
    const u = new URL(emu.url);
    const status = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(u.port), u.hostname, () => {
        sock.write(
          Buffer.concat([
            Buffer.from(
              `POST /2/files/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 4\r\nConnection: close\r\nDropbox-API-Arg: `,
            ),
            Buffer.from(JSON.stringify({ path: name }), 'utf8'),
            Buffer.from('\r\n\r\ndata'),
          ]),
        );
      });
      let got = '';
      sock.on('data', (d) => (got += d.toString('latin1')));
      sock.on('end', () => resolve(got));
      sock.on('error', reject);
    });
    expect(status).toMatch(/^HTTP\/1\.1 400 /);
    expect(status).toContain('Dropbox-API-Arg');
    // The result header comes back escaped too.
    const dl = await fetch(`${emu.url}/2/files/download`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Dropbox-API-Arg': escaped },
    });
    const header = dl.headers.get('dropbox-api-result')!;
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(header).name).toBe('Überweisung 日本 😀.txt');
    await dl.arrayBuffer();
  });

  it('the arg may come as a URL parameter instead', async () => {
    const r = await fetch(
      `${emu.url}/2/files/upload?arg=${encodeURIComponent(JSON.stringify({ path: '/via-query.txt' }))}`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
        body: 'q',
      },
    );
    expect(r.status).toBe(200);
  });
});

describe('paths', () => {
  it('malformed and disallowed names are 409 path errors', async () => {
    const mal = await c.rpc('files/create_folder_v2', { path: '/a//b' });
    expect(mal.status).toBe(409);
    expect(mal.json.error).toEqual({ '.tag': 'path', path: { '.tag': 'malformed_path' } });
    expect((await c.rpc('files/create_folder_v2', { path: '/trailing/' })).json.error.path['.tag']).toBe(
      'malformed_path',
    );
    expect((await c.upload('files/upload', { path: '/x/desktop.ini' }, 'x')).json.error).toMatchObject({
      '.tag': 'path',
      reason: { '.tag': 'disallowed_name' },
    });
    expect((await c.rpc('files/get_metadata', { path: '/a/' })).json.error.path['.tag']).toBe('malformed_path');
  });

  it('paths are case-insensitive and case-preserving', async () => {
    await c.upload('files/upload', { path: '/MixedCase/File.TXT' }, 'x');
    const m = await c.rpc('files/get_metadata', { path: '/mixedcase/file.txt' });
    expect(m.json).toMatchObject({
      '.tag': 'file',
      name: 'File.TXT',
      path_lower: '/mixedcase/file.txt',
      path_display: '/MixedCase/File.TXT',
    });
    const dup = await c.rpc('files/create_folder_v2', { path: '/MIXEDCASE' });
    expect(dup.json.error).toEqual({ '.tag': 'path', path: { '.tag': 'conflict', conflict: { '.tag': 'folder' } } });
  });

  it('a file in the middle of a path is a file_ancestor conflict', async () => {
    await c.upload('files/upload', { path: '/ancestor.txt' }, 'x');
    const r = await c.upload('files/upload', { path: '/ancestor.txt/child.txt' }, 'y');
    expect(r.json.error).toMatchObject({
      '.tag': 'path',
      reason: { '.tag': 'conflict', conflict: { '.tag': 'file_ancestor' } },
    });
    expect(r.json.error_summary).toBe('path/conflict/file_ancestor/..');
  });
});

describe('robustness', () => {
  it('survives garbage HTTP, huge headers and aborted bodies', async () => {
    const { connect } = await import('node:net');
    const u = new URL(emu.url);
    await new Promise<void>((resolve) => {
      const s = connect(Number(u.port), u.hostname, () => s.end('THIS IS NOT HTTP\r\n\r\n'));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
      s.resume();
    });
    await new Promise<void>((resolve) => {
      const s = connect(Number(u.port), u.hostname, () => {
        s.write(
          `POST /2/files/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\nDropbox-API-Arg: {"path":"/aborted.bin"}\r\nContent-Length: 1000000\r\n\r\n`,
        );
        s.write(Buffer.alloc(1000));
        setTimeout(() => s.destroy(), 50);
      });
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    const big = await fetch(`${emu.url}/2/users/get_current_account`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'X-Big': 'x'.repeat(20000) },
    }).catch(() => undefined);
    if (big) await big.text();
    expect((await c.rpc('users/get_current_account')).status).toBe(200);
    expect(await emu.files.get('sandy', '/aborted.bin')).toBeUndefined();
  });
});

describe('every route against odd input', () => {
  it('answers 4xx, never 5xx, and keeps serving', async () => {
    const { allRoutes } = await import('../../plugins/dropbox/emulator/routes/index.ts');
    const args = [
      '{}',
      '[]',
      'null',
      '"x"',
      '1',
      '{"path": 1}',
      '{"path": "/nope"}',
      '{"path": ""}',
      '{"path": "id:nope"}',
      '{"path": "ns:999/x"}',
      '{"path": "rev:0123456789"}',
      '{"cursor": "x"}',
      '{"cursor": {"session_id": "x", "offset": 0}}',
      '{"cursor": {"session_id": "x", "offset": -1}}',
      '{"cursor": {"session_id": "x", "offset": 0}, "commit": {"path": "/x"}}',
      '{"entries": [{}]}',
      '{"entries": "x"}',
      '{"entries": [{"cursor": {"session_id": "x", "offset": 0}, "commit": {"path": "/x"}}]}',
      '{"entries": [{"path": "/x"}]}',
      '{"paths": ["/a//b", "/ok"]}',
      '{"from_path": "/a", "to_path": "/b"}',
      '{"from_path": "", "to_path": ""}',
      '{"query": "a", "options": {"path": "/x"}}',
      '{"async_job_id": "x"}',
      '{"num_sessions": 2}',
      '{"session_type": "concurrent", "close": true}',
      '{"path": "/x", "mode": {".tag": "update"}}',
      '{"path": "/x", "mode": {".tag": "update", "update": "0123456789"}, "strict_conflict": true}',
      '{"path": "/x", "client_modified": "yesterday"}',
    ];
    for (const route of allRoutes().values()) {
      if (route.name === 'auth/token/revoke') continue;
      for (const a of args) {
        const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
        let body: string | undefined = a;
        if (route.style !== 'rpc') {
          headers['Dropbox-API-Arg'] = a;
          headers['Content-Type'] = 'application/octet-stream';
          body = route.style === 'upload' ? 'some bytes' : undefined;
        } else headers['Content-Type'] = 'application/json';
        const r = await fetch(`${emu.url}/2/${route.name}`, { method: 'POST', headers, body });
        const text = await r.text();
        expect(r.status, `${route.name} ${a}: ${text}`).toBeLessThan(500);
      }
    }
    expect((await c.rpc('users/get_current_account')).status).toBe(200);
  });
});
