// The admin context reloads the config on every list request, so reloads overlap: a
// slow one begun before an edit must not replace the view a later one gave (the edit
// would vanish from the UI until the next reload).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixture, type Fixture } from './helpers.ts';

/** Calls of loadConfig held until released, so a test can finish them out of order. */
const held = vi.hoisted(() => ({ gates: [] as Array<Promise<void>> }));
vi.mock('../../src/config/load.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/config/load.ts')>();
  return {
    ...real,
    loadConfig: async (...args: Parameters<typeof real.loadConfig>) => {
      const loaded = await real.loadConfig(...args);
      await held.gates.shift();
      return loaded;
    },
  };
});

describe('overlapping refreshes of the admin context', () => {
  let f: Fixture;
  afterEach(() => f.close());

  it('a refresh that started before an edit but ends after a newer one does not undo it', async () => {
    f = await fixture({ 'connections/home.yaml': 'name: home\ntype: dropbox\nsandbox: true\n' });
    let release!: () => void;
    held.gates.push(new Promise<void>((r) => (release = r)));
    const slow = f.ctx.reload(); // reads the file before the edit, then waits
    await vi.waitFor(() => expect(held.gates).toHaveLength(0));
    await writeFile(
      join(f.dir, 'connections/home.yaml'),
      'name: home\ntype: dropbox\nsandbox: true\ndescription: edited\n',
    );
    await f.ctx.reload();
    expect(f.ctx.loaded().connections[0]?.description).toBe('edited');
    release();
    await slow;
    expect(f.ctx.loaded().connections[0]?.description).toBe('edited');
  });
});
