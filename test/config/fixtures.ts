// A throwaway config tree on disk, and a minimal plugin to validate tasks against,
// so the loader is tested without any real service.
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '../../src/registry.ts';
import type { Plugin } from '../../src/plugin.ts';

export const probePlugin: Plugin = {
  name: 'probe',
  connectionTypes: [
    {
      type: 'probe',
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type'],
        properties: {
          name: { type: 'string' },
          type: { const: 'probe' },
          token: { type: 'string' },
          deep: { type: 'object' },
        },
      },
      open: () => ({}),
    },
  ],
  taskTypes: [
    {
      name: 'copy',
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['from'],
        properties: {
          from: { type: 'string' },
          overwrite: { enum: ['always', 'if-newer', 'never'] },
          limit: { type: 'integer', minimum: 1 },
        },
      },
      check: (o: { from?: string }) => (o.from === '/' ? [['from', 'must not be the root']] : []),
      run: async () => ({ counts: {}, bytes: 0, actions: [], warnings: [] }),
    },
  ],
};

export function probeRegistry(): Registry {
  const r = new Registry();
  r.add(probePlugin);
  return r;
}

/** Writes files (relative path -> text) under a fresh temp dir; returns its path. */
export async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-cfg-'));
  await mkdir(join(dir, 'connections'));
  await mkdir(join(dir, 'jobs'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

export const okConfig = 'state: ./state\ntimezone: Europe/Berlin\n';
export const okConnection = 'name: main\ntype: probe\n';
export const okJob = `name: nightly
schedule: "0 2 * * *"
connection: main
tasks:
  - copy: { from: /a, overwrite: always }
`;
