import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { createLogger } from '../../src/log.ts';

describe('the admin server inside the daemon', () => {
  let dir: string;
  let daemon: Daemon | undefined;
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(admin: string) {
    dir = await mkdtemp(join(tmpdir(), 'dropcron-admin-daemon-'));
    await mkdir(join(dir, 'connections'));
    await mkdir(join(dir, 'jobs'));
    await writeFile(join(dir, 'config.yaml'), `admin:\n${admin}\nstate: ./state\nconnections: ./connections\njobs: ./jobs\n`);
    daemon = await startDaemon(join(dir, 'config.yaml'), { log: createLogger({ level: 'silent', destination: { write() {} } as never }), env: {} });
    return daemon;
  }

  it('listens on loopback, reports health without a session, and stops even with an event stream open', async () => {
    const d = await start('  host: 127.0.0.1\n  port: 0\n  password: a-long-enough-password');
    expect(d.urls.admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await request(`${d.urls.admin}/health`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toMatchObject({ ok: true, jobs: 0, running: 0, failing: [] });
    const page = await request(`${d.urls.admin}/`);
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('<title>dropcron admin</title>');
    const signIn = await request(`${d.urls.admin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'a-long-enough-password' }) });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    await signIn.body.dump();
    const events = await request(`${d.urls.admin}/api/events`, { headers: { cookie } });
    expect(events.headers['content-type']).toMatch(/text\/event-stream/);
    const first = await new Promise<string>((resolve) => events.body.once('data', (b: Buffer) => resolve(b.toString())));
    expect(first).toMatch(/^event: hello/);
    events.body.resume();
    await d.stop();
    daemon = undefined;
    await expect(request(`${d.urls.admin}/health`)).rejects.toThrow();
  });

  it('is not started when admin.enabled is false', async () => {
    const d = await start('  enabled: false');
    expect(d.urls.admin).toBeUndefined();
  });
});
