// Defaults are written once, in the schemas: what the loader hands out when a key is
// left out is exactly the schema's `default`, and a default ajv would silently skip is
// refused when the schema is compiled.
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { createAjv } from '../../src/config/validate.ts';
import { withDefaults } from '../../src/config/defaults.ts';
import configSchema from '../../src/config/schemas/config.schema.json' with { type: 'json' };
import jobSchema from '../../src/config/schemas/job.schema.json' with { type: 'json' };
import { tree, probeRegistry, okConnection, okJob } from './fixtures.ts';
import type { Plugin } from '../../src/plugin.ts';

type Props = Record<string, { default?: unknown; properties?: Props }>;

/** key path -> default, for every property of a schema that declares one. */
function declaredDefaults(props: Props, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, s] of Object.entries(props)) {
    if (s.default !== undefined && !(typeof s.default === 'object' && !Array.isArray(s.default)))
      out.set(prefix + k, s.default);
    if (s.properties) for (const [p, v] of declaredDefaults(s.properties, `${prefix}${k}.`)) out.set(p, v);
  }
  return out;
}

const at = (o: unknown, path: string) =>
  path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);

const withSection: Plugin = {
  name: 'section',
  configSchema: { type: 'object', properties: { port: { type: 'integer', default: 1234 } } },
  connectionTypes: [],
  taskTypes: [],
};

describe('schema defaults', () => {
  it("a config.yaml of {} and a minimal job get every default their schemas declare, and the plugin's section", async () => {
    const dir = await tree({ 'config.yaml': '{}\n', 'connections/main.yaml': okConnection, 'jobs/j.yaml': okJob });
    const registry = probeRegistry();
    registry.add(withSection);
    const loaded = await loadConfig(join(dir, 'config.yaml'), { registry, env: {} });
    expect(loaded.problems).toEqual([]);
    const paths = new Set(['state', 'connections', 'jobs']);
    const configDefaults = declaredDefaults(configSchema.properties as Props);
    expect(configDefaults.size).toBeGreaterThanOrEqual(12);
    for (const [path, value] of configDefaults) {
      // Directories come back absolute, read from config.yaml's folder.
      const expected = paths.has(path) ? join(dir, value as string) : value;
      expect(at(loaded.config, path), path).toEqual(expected);
    }
    expect(loaded.config.section).toEqual({ port: 1234 });

    const [job] = loaded.jobs;
    expect(job).toMatchObject({
      enabled: jobSchema.properties.enabled.default,
      overlap: jobSchema.properties.overlap.default,
      catchUp: jobSchema.properties.catchUp.default,
      retries: { count: jobSchema.properties.retries.properties.count.default, backoffMs: 30_000 },
    });
  });

  it('a refused config.yaml value falls back to its default so the other files are still checked', async () => {
    const dir = await tree({
      'config.yaml': 'jobs: 5\nmaxConcurrentJobs: many\n',
      'connections/main.yaml': okConnection,
      'jobs/j.yaml': okJob.replace('0 2 * * *', 'never'),
    });
    const loaded = await loadConfig(join(dir, 'config.yaml'), { registry: probeRegistry(), env: {} });
    expect(loaded.problems.map((p) => p.path)).toEqual(['jobs', 'maxConcurrentJobs', 'schedule']);
    expect(loaded.config.jobs).toBe(join(dir, configSchema.properties.jobs.default));
    expect(loaded.config.maxConcurrentJobs).toBe(configSchema.properties.maxConcurrentJobs.default);
  });

  it('a default inside anyOf/oneOf, which ajv would not apply, is refused when the schema compiles', () => {
    const branch = { type: 'object', properties: { mode: { type: 'string', default: 'fast' } } };
    for (const keyword of ['anyOf', 'oneOf']) {
      expect(() => createAjv().compile({ [keyword]: [branch, { type: 'string' }] }), keyword).toThrow(
        /default is ignored/,
      );
    }
  });

  it('withDefaults fills a copy, valid or not, and leaves the input alone', () => {
    const schema = { type: 'object', properties: { a: { type: 'integer', default: 1 }, b: { type: 'string' } } };
    const input = { b: 2 };
    expect(withDefaults(schema, input)).toEqual({ a: 1, b: 2 });
    expect(input).toEqual({ b: 2 });
  });
});
