import { describe, it, expect } from 'vitest';
import { request } from 'undici';
import { createServer } from 'node:net';
import { listenLoopback, loopbackTarget } from '../../plugins/dropbox/auth/loopback.ts';
import { browserCommand } from '../../plugins/dropbox/auth/browser.ts';
import { freePort } from './helpers.ts';

describe('loopback callback server', () => {
  it('only accepts loopback http URLs', () => {
    expect(loopbackTarget('http://localhost:53682/oauth2/callback')).toEqual({ port: 53682, path: '/oauth2/callback' });
    expect(loopbackTarget('http://[::1]:1234/cb')).toEqual({ port: 1234, path: '/cb' });
    expect(loopbackTarget('https://example.com/cb')).toBeUndefined();
    expect(loopbackTarget('http://192.168.1.2:80/cb')).toBeUndefined();
  });

  for (const host of ['127.0.0.1', '[::1]']) {
    it(`listens on ${host}, answers the redirect path once, and closes`, async () => {
      const port = await freePort();
      const seen: unknown[] = [];
      const lb = await listenLoopback(`http://localhost:${port}/oauth2/callback`, async (p) => {
        seen.push(p);
        return { ok: true, message: 'Signed in as <Sandy>.' };
      });
      expect(lb.addresses).toEqual(['127.0.0.1', '::1']);
      const miss = await request(`http://${host}:${port}/favicon.ico`);
      expect(miss.statusCode).toBe(404);
      await miss.body.dump();
      const res = await request(`http://${host}:${port}/oauth2/callback?code=abc&state=xyz`);
      expect(res.statusCode).toBe(200);
      const html = await res.body.text();
      expect(html).toContain('You can close this tab');
      expect(html).toContain('Signed in as &lt;Sandy&gt;.');
      expect(await lb.done).toEqual({ ok: true, message: 'Signed in as <Sandy>.' });
      const again = await request(`http://${host}:${port}/oauth2/callback?code=abc&state=xyz`);
      expect(again.statusCode).toBe(409);
      await again.body.dump();
      expect(seen).toEqual([{ state: 'xyz', code: 'abc', error: undefined, errorDescription: undefined }]);
      await lb.close();
      await expect(request(`http://${host}:${port}/oauth2/callback`)).rejects.toThrow();
    });
  }

  it('says clearly when the port is taken', async () => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      await expect(
        listenLoopback(`http://localhost:${port}/cb`, async () => ({ ok: true, message: '' })),
      ).rejects.toThrow(`port ${port} is in use`);
    } finally {
      blocker.close();
    }
  });
});

describe('system browser', () => {
  it('prints the URL instead on Linux without a display', () => {
    expect(browserCommand('http://x', 'linux', { PATH: '/usr/bin' })).toBeUndefined();
    expect(browserCommand('http://x', 'linux', { PATH: '/nonexistent', DISPLAY: ':0' })).toBeUndefined();
    expect(browserCommand('http://x', 'linux', { PATH: '/usr/bin', WAYLAND_DISPLAY: 'wayland-0' })).toEqual([
      'xdg-open',
      ['http://x'],
    ]);
    expect(browserCommand('http://x?a=1&b=2', 'darwin', {})).toEqual(['open', ['http://x?a=1&b=2']]);
    expect(browserCommand('http://x?a=1&b=2', 'win32', {})?.[1]).toEqual(['/c', 'start', '""', 'http://x?a=1^&b=2']);
  });
});
