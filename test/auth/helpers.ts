// Helpers shared by the auth tests: free ports, temp state, services, a log buffer.
import { createServer } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

/** A port free on both 127.0.0.1 and ::1 (the loopback server binds both). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const v6ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '::1', () => s.close(() => resolve(true)));
    });
    if (v6ok) return port;
  }
  throw new Error('no free port on both 127.0.0.1 and ::1');
}

export async function tempDir(prefix = 'dropcron-auth-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A stream that keeps everything written to it, for log and stdout checks. */
export class Capture extends Writable {
  chunks: string[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk.toString());
    cb();
  }
  get text(): string {
    return this.chunks.join('');
  }
}
