// Every commit locks its Dropbox namespace; two commits into one namespace at once
// collide as too_many_write_operations (rclone#1539, #5156). So commits (upload,
// finish, finish_batch, create_folder, delete, copy, move) to one namespace run one
// at a time, process-wide, whichever client or job sends them; data transfer
// (session appends, downloads) stays parallel and never waits here.

const tails = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier commit for `namespace` has settled. */
export function inNamespace<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
  const prev = tails.get(namespace) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  tails.set(namespace, tail);
  void tail.then(() => {
    if (tails.get(namespace) === tail) tails.delete(namespace);
  });
  return run;
}

/** Commits waiting or running per namespace (for tests and the admin UI). */
export function busyNamespaces(): string[] {
  return [...tails.keys()];
}
