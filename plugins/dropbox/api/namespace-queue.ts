// Every commit locks its Dropbox namespace; two commits into one namespace at once
// collide as too_many_write_operations (rclone#1539, #5156). So commits (upload,
// finish, finish_batch, create_folder, delete, copy, move) to one namespace run one
// at a time, process-wide, whichever client or job sends them; data transfer
// (session appends, downloads) stays parallel and never waits here.
import { KeyedQueue } from '../../../src/plugin.ts';

const commits = new KeyedQueue();

/** Runs `fn` after every earlier commit for `namespace` has settled. */
export function inNamespace<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
  return commits.run(namespace, fn);
}

/** Namespaces with a commit running or queued: what a test waits on to know a commit holds its lock. */
export function busyNamespaces(): string[] {
  return commits.busy();
}
