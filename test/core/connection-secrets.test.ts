// Services.secretsOf: the one way a plugin reaches the vault, bound to one connection.
import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { createServices } from '../../src/services.ts';
import { openVault } from '../../src/store/vault.ts';
import type { DaemonConfig } from '../../src/config/types.ts';

describe('Services.secretsOf', () => {
  it("reads and writes one connection's vault entry, encrypted, and nothing of another's", async () => {
    const state = await mkdtemp(join(tmpdir(), 'dropcron-secrets-'));
    const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const services = createServices({ state, logLevel: 'silent' } as DaemonConfig, {
      log: pino({ level: 'silent' }),
      env,
    });
    const work = services.secretsOf('work');
    const home = services.secretsOf('home');
    await work.update({ secrets: { token: 'work-secret' }, state: { label: 'Sandy' } });
    await home.update({ secrets: { token: 'home-secret' } });

    expect(await work.secret('token')).toBe('work-secret');
    expect(await work.state()).toEqual({ label: 'Sandy' });
    expect(await home.state()).toEqual({});
    expect(await home.secret('token')).toBe('home-secret');
    // The same entry the core's vault holds, under the services' master key.
    expect(await (await openVault(state, env)).secret('work', 'token')).toBe('work-secret');
    expect(await readFile(join(state, 'vault', 'work.json'), 'utf8')).not.toContain('work-secret');

    expect(await work.forget()).toBe(true);
    expect(await work.secretNames()).toEqual([]);
    expect(await home.secretNames()).toEqual(['token']);
    await services.close();
  });
});
