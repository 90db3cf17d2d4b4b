import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.ts';
import { openVault } from '../../src/store/vault.ts';
import { tree, probeRegistry, okConfig } from './fixtures.ts';

describe('secrets stored through the admin UI', () => {
  const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };

  it('are put back into the definition in memory, and a YAML value wins', async () => {
    const dir = await tree({
      'config.yaml': okConfig,
      'connections/a.yaml': 'name: a\ntype: probe\nproxy: { type: http, host: 127.0.0.1, port: 3128, username: u }\n',
      'connections/b.yaml':
        'name: b\ntype: probe\nproxy: { type: http, host: 127.0.0.1, port: 3128, username: u, password: from-yaml }\n',
      'connections/c.yaml': 'name: c\ntype: probe\n',
    });
    const vault = await openVault(join(dir, 'state'), env);
    for (const name of ['a', 'b', 'c']) await vault.update(name, { secrets: { 'proxy.password': `stored-${name}` } });
    const loaded = await loadConfig(join(dir, 'config.yaml'), { registry: probeRegistry(), env });
    expect(loaded.problems).toEqual([]);
    const byName = Object.fromEntries(loaded.connections.map((c) => [c.name, c]));
    expect((byName.a!.proxy as { password?: string }).password).toBe('stored-a');
    expect((byName.b!.proxy as { password?: string }).password).toBe('from-yaml');
    expect(byName.c!.proxy).toBeUndefined(); // no proxy block: no proxy is invented
  });

  it('creates no master key when there is no vault', async () => {
    const dir = await tree({ 'config.yaml': okConfig, 'connections/a.yaml': 'name: a\ntype: probe\n' });
    await loadConfig(join(dir, 'config.yaml'), { registry: probeRegistry(), env: {} });
    expect(existsSync(join(dir, 'state', 'master.key'))).toBe(false);
  });
});
