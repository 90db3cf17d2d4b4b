// Vault entries as files: one per connection under <state>/vault/, rewritten
// atomically, one change at a time (queued in the process, a lock file across
// processes, so `dropcron auth` and the daemon's refresh never lose each other's change).
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic, fsyncDir, ensureDir } from './atomic.ts';
import { withLockFile } from './lock.ts';
import { KeyedQueue } from '../keyed-queue.ts';
import { checkEntry, vaultName, type VaultEntry, type VaultRows } from './vault-entry.ts';

export class FileVaultRows implements VaultRows {
  readonly dir: string;
  readonly noun = 'file';
  private readonly queues = new KeyedQueue();

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'vault');
  }

  where(name: string): string {
    return join(this.dir, `${vaultName(name)}.json`);
  }

  async load(name: string): Promise<VaultEntry | undefined> {
    const file = this.where(name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return checkEntry(name, text, file, this.noun);
  }

  change(name: string, fn: (cur: VaultEntry | undefined) => VaultEntry): Promise<void> {
    return this.serial(name, async () => writeJsonAtomic(this.where(name), fn(await this.load(name))));
  }

  forget(name: string): Promise<boolean> {
    return this.serial(name, async () => {
      try {
        await unlink(this.where(name));
        await fsyncDir(this.dir);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    });
  }

  private serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.queues.run(name, async () => {
      await ensureDir(this.dir);
      return withLockFile(this.where(name), fn);
    });
  }
}
