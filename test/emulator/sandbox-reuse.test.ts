import { describe, it, expect } from 'vitest';
import { createServer as httpServer } from 'node:http';
import { request } from 'undici';
import { mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startSandbox } from '../../plugins/dropbox/emulator/sandbox.ts';
import { createServices } from '../../src/services.ts';
import type { DaemonConfig } from '../../src/config/types.ts';
import { freePort } from '../helpers/proxies.ts';

const servicesOn = (port: number) =>
  createServices(
    {
      state: '/nonexistent',
      admin: { host: '127.0.0.1', port: 18470 },
      dropbox: { sandboxPort: port },
    } as unknown as DaemonConfig,
    { log: pino({ level: 'silent' }) },
  );

describe('the daemon sandbox', () => {
  it('is shared by a second process on the same port (dropcron run beside the daemon)', async () => {
    const port = await freePort();
    const first = await startSandbox(servicesOn(port));
    const second = await startSandbox(servicesOn(port));
    expect(second.url).toBe(first.url);
    await second.close(); // must not stop the daemon's sandbox
    const res = await request(`${first.url}/2/users/get_current_account`, { method: 'POST' });
    await res.body.dump();
    expect(res.statusCode).toBe(400); // answered (no token given), so still running
    await first.close();
  });

  it("accepts the admin UI's own callback as a redirect URI, whatever its port", async () => {
    const sandbox = await startSandbox(servicesOn(await freePort()));
    try {
      const authorize = (redirect: string) =>
        request(
          `${sandbox.url}/oauth2/authorize?client_id=dropcron-sandbox&response_type=code&redirect_uri=${encodeURIComponent(redirect)}`,
        );
      const ok = await authorize('http://127.0.0.1:18470/oauth2/callback');
      expect(ok.statusCode).toBe(200);
      expect(await ok.body.text()).toMatch(/Allow/);
      const other = await authorize('http://127.0.0.1:18471/oauth2/callback');
      expect(other.statusCode).toBe(400); // still an exact match, not any port
      await other.body.dump();
    } finally {
      await sandbox.close();
    }
  });

  it("keeps its files under dropbox.sandboxData, read from config.yaml's folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dropcron-sandbox-data-'));
    const services = createServices(
      {
        file: join(dir, 'config.yaml'),
        state: '/nonexistent',
        admin: { host: '127.0.0.1', port: 18470 },
        dropbox: { sandboxPort: await freePort(), sandboxData: 'sandbox-files' },
      } as unknown as DaemonConfig,
      { log: pino({ level: 'silent' }) },
    );
    const sandbox = await startSandbox(services);
    try {
      expect(existsSync(join(dir, 'sandbox-files'))).toBe(true);
    } finally {
      await sandbox.close();
    }
  });

  it('refuses a port held by another program, saying which setting to change', async () => {
    const other = httpServer((_req, res) => res.end('not dropbox'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    const port = (other.address() as { port: number }).port;
    try {
      await expect(startSandbox(servicesOn(port))).rejects.toThrow(
        `port ${port} (dropbox.sandboxPort) is used by another program`,
      );
    } finally {
      other.close();
    }
  });
});
