// The local folders of a job's tasks, as its next run would use them (placeholders
// filled in for now): sources must exist, targets must be creatable and writable.
// disk.ts sizes the targets downloads land in from the same list.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DoctorCheck, JobDefinition } from '../../../src/plugin.ts';
import { expandPlaceholders } from '../tasks/placeholders.ts';
import { resolveLocal } from '../tasks/local-paths.ts';

interface Use {
  path: string;
  /** A source must exist; a target is created when missing. */
  role: 'source' | 'target';
  writable: boolean;
  /** Downloads land here, so its disk must hold them. */
  receives?: boolean;
}

/** A local path of one of a job's tasks, resolved as its next run would use it. */
export interface LocalUse extends Use {
  /** The task's position in the job. */
  task: number;
  type: string;
}

/** The local paths each task type reads or writes; other types have none. */
function localUses(type: string, o: Record<string, any>): Use[] {
  switch (type) {
    case 'upload':
      return (Array.isArray(o.from) ? o.from : [o.from]).map((p: string) => ({
        path: p,
        role: 'source',
        writable: o.deleteSource === true,
      }));
    case 'download':
      return [{ path: o.to, role: 'target', writable: true, receives: true }];
    case 'sync':
      return [
        o.direction === 'down'
          ? { path: o.local, role: 'target', writable: true, receives: true }
          : { path: o.local, role: 'source', writable: false },
      ];
    case 'list':
      return o.output?.file ? [{ path: dirname(o.output.file), role: 'target', writable: true }] : [];
    default:
      return [];
  }
}

export function localUsesOf(job: JobDefinition, baseDir: string): LocalUse[] {
  const now = new Date();
  return job.tasks.flatMap((t, task) =>
    localUses(t.type, t.options).map((use) => ({
      ...use,
      path: resolveLocal(expandPlaceholders(use.path, { now, timezone: job.timezone, job: job.name }), baseDir),
      task,
      type: t.type,
    })),
  );
}

export async function folderChecks(job: JobDefinition, baseDir: string): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  for (const use of localUsesOf(job, baseDir)) {
    const { path } = use;
    const subject = `job '${job.name}': ${use.type} ${use.role} ${path}`;
    const problem = await folderProblem(path, use);
    out.push(
      problem
        ? { subject, ok: false, detail: problem.detail, fix: problem.fix }
        : { subject, ok: true, detail: (await exists(path)) ? 'usable' : 'created at the first run' },
    );
  }
  return out;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

async function folderProblem(path: string, use: Use): Promise<{ detail: string; fix: string } | undefined> {
  // A target that does not exist yet is created under its nearest existing folder.
  let at = path;
  for (;;) {
    const st = await stat(at).catch((err: NodeJS.ErrnoException) => err);
    if (!(st instanceof Error)) {
      if (!st.isDirectory())
        return { detail: `${at} is not a folder`, fix: `move ${at} away or change the job's path` };
      break;
    }
    // ENOTDIR: a file on the way, found (and named) one level up.
    if (st.code !== 'ENOENT' && st.code !== 'ENOTDIR')
      return { detail: `${at}: ${st.code}`, fix: 'check the path and its permissions' };
    if (use.role === 'source') return { detail: 'does not exist', fix: `create ${path} or change the job's path` };
    if (dirname(at) === at) break;
    at = dirname(at);
  }
  const mode = use.writable ? constants.W_OK | constants.X_OK : constants.R_OK | constants.X_OK;
  const usable = await access(at, mode).then(
    () => true,
    (err: NodeJS.ErrnoException) => err.code,
  );
  if (usable === true) return undefined;
  return {
    detail: `${at} is not ${use.writable ? 'writable' : 'readable'} by this user (${usable})`,
    fix: `give the daemon's user access (under systemd: ReadWritePaths=${at})`,
  };
}
