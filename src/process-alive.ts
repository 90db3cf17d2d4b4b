// Whether a process still runs, for anything that records its owner's pid on disk
// (run markers, a plugin's files in progress) and must tell a crashed owner from a live one.
// A pid alone can mislead: after a crash and a restart (a container restarts with the
// same few pids) the pid on disk may belong to another process. Where the system says
// when a process started, that is recorded with the pid and compared.
import { readFileSync } from 'node:fs';

/** Whether a process with this pid exists (EPERM: it exists, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What tells this process from a later one given the same pid: on Linux the boot and the
 * process's start time since boot (/proc/<pid>/stat field 22); undefined elsewhere.
 */
export function processIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and ')': fields are counted after its last ')'.
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return startTime ? `${boot}:${startTime}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process that wrote (`pid`, `identity`) still runs. Without a recorded
 * identity, or where the system cannot say now, the pid alone decides.
 */
export function ownerAlive(pid: number, identity: string | undefined): boolean {
  if (!processAlive(pid)) return false;
  if (identity === undefined) return true;
  const now = processIdentity(pid);
  return now === undefined || now === identity;
}
