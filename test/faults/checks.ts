// What every fault case checks after its run: each file the job was to move, by content
// hash on both ends (the local bytes, and the bytes the sandbox stores, read straight from
// it rather than through the connector under test), no "(1)" copies, no extra files, no
// part files and no upload-session checkpoints left behind. One row for the table and
// one assertion come from the same conditions (settle), so the table cannot say more
// than the test proved.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { contentHash, hashFileRegion } from '../../plugins/dropbox/api/content-hash.ts';
import { recordFault } from './report.ts';
import type { FaultWorld } from './harness.ts';

/** Relative path -> content hash of every file under `dir` (part files included, so they show). */
export async function localHashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string, rel: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), r);
      else {
        const abs = join(d, e.name);
        out.set(r, (await hashFileRegion(abs, 0, (await stat(abs)).size)).digest());
      }
    }
  };
  await walk(dir, '');
  return out;
}

/** Relative path -> content hash of every file the sandbox holds under `folder` (sandy's). */
export async function remoteHashes(w: FaultWorld, folder: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const prefix = `${folder}/`.toLowerCase();
  for (const p of w.emu.files.list('sandy')) {
    if (!p.toLowerCase().startsWith(prefix)) continue;
    const data = await w.emu.files.get('sandy', p);
    if (data) out.set(p.slice(prefix.length), contentHash(data));
  }
  return out;
}

export interface Comparison {
  expected: number;
  equal: number;
  missing: string[];
  differing: string[];
  /** Files the job had no reason to make: "(1)" copies, part files, strays. */
  extra: string[];
  /** Upload checkpoints left in the state directory (a session no run will finish). */
  checkpoints: string[];
}

/** Compares what should be there (`want`) with what is (`got`); `w` for the leftover checkpoints. */
export async function compare(w: FaultWorld, want: Map<string, string>, got: Map<string, string>): Promise<Comparison> {
  const c: Comparison = { expected: want.size, equal: 0, missing: [], differing: [], extra: [], checkpoints: [] };
  for (const [rel, hash] of want) {
    const h = got.get(rel);
    if (h === undefined) c.missing.push(rel);
    else if (h !== hash) c.differing.push(rel);
    else c.equal++;
  }
  c.extra = [...got.keys()].filter((rel) => !want.has(rel));
  c.checkpoints = await readdir(join(w.stateDir, 'upload-sessions')).catch(() => []);
  return c;
}

/** The checks of a transfer that must be complete, as conditions for settle(). */
export function complete(c: Comparison): Record<string, boolean> {
  return {
    [`all ${c.expected} files there`]: c.missing.length === 0,
    'every file hash-equal': c.differing.length === 0,
    'no (1) copies, part files or strays': c.extra.length === 0,
    'no session checkpoints left': c.checkpoints.length === 0,
  };
}

/** The "files checked" column: what was compared and what was found. */
export function describe(c: Comparison, where = 'both ends'): string {
  const parts = [`${c.equal}/${c.expected} hash-equal ${where}`];
  if (c.missing.length) parts.push(`${c.missing.length} missing`);
  if (c.differing.length) parts.push(`${c.differing.length} DIFFERENT`);
  parts.push(c.extra.length ? `extra: ${c.extra.slice(0, 3).join(', ')}` : 'no (1) copies, no part files');
  if (c.checkpoints.length) parts.push(`${c.checkpoints.length} session checkpoints left`);
  return parts.join(', ');
}

/**
 * Records the case's row, ok only when every condition holds, then asserts the same
 * conditions: the row and the test pass or fail together.
 */
export function settle(
  row: { fault: string; outcome: string; checked: string },
  conditions: Record<string, boolean>,
): void {
  const failed = Object.entries(conditions)
    .filter(([, ok]) => !ok)
    .map(([what]) => what);
  recordFault({ ...row, ok: failed.length === 0 });
  expect(failed, `${row.fault}: ${row.outcome}; ${row.checked}`).toEqual([]);
}
