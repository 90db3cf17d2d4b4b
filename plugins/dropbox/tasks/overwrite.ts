// What to do when the target already exists: VisualCron's overwrite options, decided
// the same way for uploads and downloads. Content hashes are only computed when sizes
// match, so 'if-different' costs one read of the local file at most and no transfer.

export type OverwritePolicy = 'always' | 'if-newer' | 'if-different' | 'never';

export interface Side {
  size: number;
  modified: Date;
  /** Dropbox content_hash; computed lazily (reads a local file). */
  hash(): Promise<string | undefined>;
}

export interface Decision {
  transfer: boolean;
  reason: string;
}

export async function decide(policy: OverwritePolicy, src: Side, dst: Side | undefined): Promise<Decision> {
  if (!dst) return { transfer: true, reason: 'new' };
  switch (policy) {
    case 'always':
      return { transfer: true, reason: 'exists, overwrite: always' };
    case 'never':
      return { transfer: false, reason: 'exists, overwrite: never' };
    case 'if-newer': {
      // Dropbox keeps client_modified to the second; compare at that precision or
      // every run would see a sub-second difference.
      const s = Math.floor(src.modified.getTime() / 1000);
      const d = Math.floor(dst.modified.getTime() / 1000);
      return s > d
        ? { transfer: true, reason: `newer: ${iso(src.modified)} > ${iso(dst.modified)}` }
        : { transfer: false, reason: `not newer: ${iso(src.modified)} <= ${iso(dst.modified)}` };
    }
    case 'if-different': {
      if (src.size !== dst.size) return { transfer: true, reason: `different size: ${src.size} vs ${dst.size} bytes` };
      const [a, b] = [await src.hash(), await dst.hash()];
      if (a === undefined || b === undefined) return { transfer: true, reason: 'same size, content hash unknown' };
      return a === b
        ? { transfer: false, reason: 'unchanged: same size and content hash' }
        : { transfer: true, reason: 'different content: same size, different content hash' };
    }
  }
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
