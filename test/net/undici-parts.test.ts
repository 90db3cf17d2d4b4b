// src/net/undici.ts requires undici's files one by one instead of its index, so that a
// command loads no undici before its first request and only the 37 files it needs then.
// These tests pin that down: the parts are undici's own, `request` behaves as undici's,
// and the shipped command loads what it says it loads (checked in child processes,
// where nothing else has loaded undici first).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as undici from 'undici';
import { dispatcherClasses, request } from '../../src/net/undici.ts';
import { CLI } from '../helpers/cli.ts';
import { tree } from '../config/fixtures.ts';

let server: Server;
let base: string;
const seen: Array<{ method: string; url: string; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Runs `args` under node with a probe that writes every CommonJS module loaded to a file; returns them. */
async function loadedBy(args: string[], cwd: string): Promise<{ modules: string[]; stdout: string; stderr: string }> {
  const probe = join(await mkdtemp(join(tmpdir(), 'dropcron-undici-')), 'probe.cjs');
  const list = `${probe}.txt`;
  await writeFile(
    probe,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, Object.keys(require.cache).join('\\n')));`,
  );
  // Not spawnSync: the child's request is answered by a server in this process.
  const r = await promisify(execFile)(process.execPath, ['--require', probe, ...args], { cwd, timeout: 60_000 });
  return { modules: (await readFile(list, 'utf8')).split('\n'), stdout: r.stdout, stderr: r.stderr };
}
const undiciFiles = (modules: string[]) => modules.filter((m) => m.includes('/node_modules/undici/'));

describe('undici parts', () => {
  it('are the classes undici exports', () => {
    expect(dispatcherClasses()).toEqual({
      Agent: undici.Agent,
      ProxyAgent: undici.ProxyAgent,
      Socks5ProxyAgent: undici.Socks5ProxyAgent,
      EnvHttpProxyAgent: undici.EnvHttpProxyAgent,
    });
  });

  it('request splits the URL and defaults the method as undici does, with or without a dispatcher', async () => {
    seen.length = 0;
    const { Agent } = dispatcherClasses();
    const agent = new Agent();
    try {
      const a = await request(`${base}/a/b?x=1&y=2`, { dispatcher: agent });
      expect(await a.body.text()).toBe('ok');
      const b = await request(new URL(`${base}/put`), { body: 'data', dispatcher: agent });
      await b.body.dump();
      // No dispatcher: undici's global one, as undici's own request uses.
      const c = await request(`${base}/global`, { method: 'POST', body: 'x' });
      await c.body.dump();
    } finally {
      await agent.close();
    }
    expect(seen).toEqual([
      { method: 'GET', url: '/a/b?x=1&y=2', body: '' },
      { method: 'PUT', url: '/put', body: 'data' },
      { method: 'POST', url: '/global', body: 'x' },
    ]);
  });

  it('the shipped command loads no undici to check a config, and not its index to make a request', async () => {
    const dir = await tree({
      'config.yaml': 'plugins: [dropbox]\n',
      'connections/c.yaml': 'name: c\ntype: dropbox\nproxy: { type: http, host: 127.0.0.1, port: 3128 }\n',
      'jobs/j.yaml': 'name: j\nschedule: "0 3 * * *"\nconnection: c\ntasks:\n  - create-folder: { path: /new }\n',
    });
    const validate = await loadedBy([CLI, 'validate'], dir);
    expect(validate.stdout).toContain('ok: 1 connection, 1 job');
    expect(undiciFiles(validate.modules)).toEqual([]);

    // The compiled module the command uses: a proxy agent (it opens its tunnel with the
    // `connect` method undici's index adds to every dispatcher) and a request.
    const parts = join(dirname(CLI), 'net', 'undici.js');
    const script = `
      const { dispatcherClasses, request } = await import(${JSON.stringify(parts)});
      const { ProxyAgent } = dispatcherClasses();
      const proxy = new ProxyAgent('http://127.0.0.1:1');
      console.log(typeof proxy.connect, typeof proxy.request);
      const res = await request(${JSON.stringify(`${base}/child`)});
      console.log(await res.body.text());
      await proxy.close();`;
    const child = await loadedBy(['--input-type=module', '-e', script], dir);
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('function function\nok\n');
    const files = undiciFiles(child.modules);
    expect(files.some((f) => f.endsWith('/undici/lib/api/api-request.js'))).toBe(true);
    expect(files.filter((f) => /\/undici\/(index\.js|lib\/web\/)/.test(f))).toEqual([]);
  });
});
