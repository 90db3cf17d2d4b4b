import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import type { Daemon } from '../../src/daemon.ts';
import { daemonFixture } from './helpers.ts';

describe('the admin server inside the daemon', () => {
  const daemon = daemonFixture();
  afterEach(() => daemon.stop());
  const start = (admin: string) => daemon.start(admin);

  it('listens on loopback, reports health without a session, and stops even with an event stream open', async () => {
    const d = await start('  host: 127.0.0.1\n  port: 0\n  password: a-long-enough-password');
    expect(d.urls.admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await request(`${d.urls.admin}/health`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toMatchObject({ ok: true, jobs: 0, running: 0, failing: [] });
    const page = await request(`${d.urls.admin}/`);
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('<title>dropcron admin</title>');
    const signIn = await request(`${d.urls.admin}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'a-long-enough-password' }),
    });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    await signIn.body.dump();
    const events = await request(`${d.urls.admin}/api/events`, { headers: { cookie } });
    expect(events.headers['content-type']).toMatch(/text\/event-stream/);
    const first = await new Promise<string>((resolve) =>
      events.body.once('data', (b: Buffer) => resolve(b.toString())),
    );
    expect(first).toMatch(/^event: hello/);
    events.body.resume();
    await d.stop();
    daemon.stopped();
    await expect(request(`${d.urls.admin}/health`)).rejects.toThrow();
  });

  it('without a password, prints a generated one once on stderr and signs in with it', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    let d: Daemon;
    try {
      d = await start('  port: 0');
    } finally {
      spy.mockRestore();
    }
    const printed = lines.filter((l) => l.includes('admin password'));
    expect(printed).toHaveLength(1);
    const password = /: (\S+)\n?$/.exec(printed[0]!)![1]!;
    const ok = await request(`${d.urls.admin}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password }),
    });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    const onDisk = await readFile(join(daemon.dir, 'state', 'admin-password.json'), 'utf8');
    expect(onDisk).not.toContain(password);
  });

  it('names the port when it cannot listen', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      await expect(start(`  port: ${port}\n  password: a-long-enough-password`)).rejects.toThrow(
        new RegExp(`admin server cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`),
      );
    } finally {
      blocker.close();
    }
  });

  it('is not started when admin.enabled is false', async () => {
    const d = await start('  enabled: false');
    expect(d.urls.admin).toBeUndefined();
  });
});
