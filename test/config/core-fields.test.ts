// The connection fields the core reads (proxy, timeoutSeconds, sandbox) are defined by
// the core once and added to every connection type's schema: a plugin neither has to
// nor may define them.
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { formatProblem } from '../../src/config/problems.ts';
import { Registry } from '../../src/registry.ts';
import { secretPaths } from '../../src/admin/secrets.ts';
import { tree, probeRegistry, probePlugin, okConfig } from './fixtures.ts';

async function load(connection: string) {
  const dir = await tree({ 'config.yaml': okConfig, 'connections/p.yaml': connection });
  const loaded = await loadConfig(join(dir, 'config.yaml'), { registry: probeRegistry() });
  return { loaded, lines: loaded.problems.map((p) => formatProblem(p, dir)) };
}

describe("the core's connection fields", () => {
  it('are accepted with defaults although the plugin schema does not name them', async () => {
    const { loaded, lines } = await load('name: p\ntype: probe\nproxy: system\n');
    expect(lines).toEqual([]);
    expect(loaded.connections[0]).toMatchObject({ proxy: 'system', timeoutSeconds: 60, sandbox: false });
  });

  it('are checked once, against the core definition', async () => {
    const { lines } = await load('name: p\ntype: probe\ntimeoutSeconds: 0\nsandbox: maybe\n');
    expect(lines).toEqual([
      'connections/p.yaml:3:17 timeoutSeconds must be >= 1',
      'connections/p.yaml:4:10 sandbox must be a boolean',
    ]);
  });

  it("keep the core's name rule over a plugin's looser one", async () => {
    const { lines } = await load('name: "bad name"\ntype: probe\n');
    expect(lines).toEqual([
      "connections/p.yaml:1:7 name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    ]);
  });

  it("show the proxy password as a secret of the type's schema", () => {
    expect(secretPaths(probeRegistry().connectionTypes.get('probe')!.schema)).toContain('proxy.password');
  });

  it('may not be defined by a plugin', () => {
    const [ct] = probePlugin.connectionTypes;
    const renamed = { ...ct!, schema: { ...ct!.schema, properties: { timeoutSeconds: { type: 'string' } } } };
    expect(() => new Registry().add({ ...probePlugin, connectionTypes: [renamed] })).toThrow(
      /connection type 'probe' defines timeoutSeconds, which the core defines for every connection/,
    );
  });
});
