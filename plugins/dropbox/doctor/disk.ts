// Room for a job's downloads: the free space of the filesystem each download target
// (or sync down) lands on, against the most bytes that task moved in one past run.
// Past runs are the sizing at hand without listing the remote folder; files already
// at the target are not subtracted, so the need errs on the large side.
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DoctorCheck, DoctorContext, JobDefinition } from '../../../src/plugin.ts';
import { formatBytes, oneLine } from '../../../src/plugin.ts';
import { localUsesOf } from './folders.ts';

export async function diskChecks(job: JobDefinition, ctx: DoctorContext): Promise<DoctorCheck[]> {
  const targets = localUsesOf(job, ctx.baseDir).filter((u) => u.receives);
  if (!targets.length) return [];
  const largest = await ctx.largestRuns(job).catch((err: unknown) => new Error(oneLine(err)));
  const out: DoctorCheck[] = [];
  for (const use of targets) {
    const subject = `job '${job.name}': disk space for ${use.type} target ${use.path}`;
    if (largest instanceof Error) {
      out.push({
        subject,
        ok: false,
        detail: `the run history cannot be read: ${largest.message}`,
        fix: "move the job's history file away to start a fresh history",
      });
      continue;
    }
    // Undefined when no folder on the way can be read: the folder check says why.
    const free = await freeSpace(use.path);
    if (free === undefined) continue;
    const room = `free ${formatBytes(free)}`;
    const need = largest?.[use.task];
    if (!largest) out.push({ subject, ok: true, detail: `${room}; no history read (PostgreSQL store)` });
    else if (need === undefined) out.push({ subject, ok: true, detail: `${room}; no past run to size it by` });
    else if (need <= free)
      out.push({ subject, ok: true, detail: `${room}, the largest past run moved ${formatBytes(need)}` });
    else
      out.push({
        subject,
        ok: false,
        detail: `${room}, but the largest past run moved ${formatBytes(need)}`,
        fix: `free ${formatBytes(need - free)} on that disk, or move the target to a larger one`,
      });
  }
  return out;
}

/** Bytes this user may still write on the filesystem of `path`, or of its nearest existing folder. */
async function freeSpace(path: string): Promise<number | undefined> {
  for (let at = path; ; at = dirname(at)) {
    const st = await statfs(at).catch((err: NodeJS.ErrnoException) => err);
    if (!(st instanceof Error)) return st.bavail * st.bsize;
    if ((st.code !== 'ENOENT' && st.code !== 'ENOTDIR') || dirname(at) === at) return undefined;
  }
}
