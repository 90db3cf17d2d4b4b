// Whether a process still runs, for anything that records its owner's pid on disk
// (run markers, a plugin's files in progress) and must tell a crashed owner from a live one.

/** Whether a process with this pid exists (EPERM: it exists, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
