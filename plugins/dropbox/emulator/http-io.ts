// Reading and writing HTTP bodies under the realism settings: bandwidth pacing, and
// connections dropped after a number of bytes (request first, else response).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, ConnectionDropped } from './errors.ts';
import type { Faults } from './faults.ts';

/** One request's I/O accounting. */
export class Io {
  bytesIn = 0;
  bytesOut = 0;
  /** Armed by a dropAfterBytes fault. */
  dropAfter?: number;
  dropped = false;
  /** Called just before the last byte of a response goes out (the request log uses it). */
  onComplete?: () => void;
  private inStart = 0;
  private outStart = 0;

  constructor(
    private req: IncomingMessage,
    private res: ServerResponse,
    private faults: Faults,
  ) {}

  private async pace(start: number, bytes: number): Promise<void> {
    const bw = this.faults.settings.bandwidthBytesPerSec;
    if (!bw || bw <= 0) return;
    const due = start + (bytes / bw) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }

  drop(): never {
    this.dropped = true;
    this.req.socket.destroy();
    throw new ConnectionDropped('connection dropped by a fault');
  }

  /** The request body as it arrives; never buffers more than one chunk. */
  async *body(): AsyncIterable<Buffer> {
    this.inStart = Date.now();
    try {
      for await (const chunk of this.req) {
        const c = chunk as Buffer;
        if (this.dropAfter !== undefined && this.bytesIn + c.length > this.dropAfter) this.drop();
        this.bytesIn += c.length;
        await this.pace(this.inStart, this.bytesIn);
        yield c;
      }
    } catch (err) {
      if (err instanceof ConnectionDropped) throw err;
      // The client went away mid-body: nothing can be answered.
      this.dropped = true;
      throw new ConnectionDropped(err instanceof Error ? err.message : String(err));
    }
  }

  /** Whole small bodies (RPC JSON, OAuth forms), capped. */
  async readAll(limit: number, tooLarge: () => ApiError): Promise<Buffer> {
    const parts: Buffer[] = [];
    let n = 0;
    for await (const c of this.body()) {
      n += c.length;
      if (n > limit) throw tooLarge();
      parts.push(c);
    }
    return Buffer.concat(parts);
  }

  /** Writes a response body, paced and cut as the faults say, honouring backpressure. */
  async send(
    status: number,
    headers: Record<string, string | number>,
    body: Buffer | string | AsyncIterable<Buffer> | NodeJS.ReadableStream,
  ): Promise<void> {
    const res = this.res;
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, headers);
    this.outStart = Date.now();
    const chunks: AsyncIterable<Buffer> | Buffer[] =
      typeof body === 'string' ? [Buffer.from(body)] : Buffer.isBuffer(body) ? [body] : (body as AsyncIterable<Buffer>);
    for await (const chunk of chunks) {
      // Slice only when pacing or cutting needs the granularity.
      const step =
        this.faults.settings.bandwidthBytesPerSec || this.dropAfter !== undefined
          ? 64 * 1024
          : Math.max(chunk.length, 1);
      for (let off = 0; off < chunk.length; off += step) {
        let piece = chunk.subarray(off, off + step);
        if (this.dropAfter !== undefined && this.bytesOut + piece.length > this.dropAfter) {
          piece = piece.subarray(0, this.dropAfter - this.bytesOut);
          if (piece.length) res.write(piece);
          this.bytesOut += piece.length;
          // Let the partial bytes leave before the socket dies.
          await sleep(20);
          this.drop();
        }
        // Pace before writing, so the last piece too arrives no earlier than the cap allows.
        await this.pace(this.outStart, this.bytesOut + piece.length);
        this.bytesOut += piece.length;
        if (!res.write(piece)) {
          await drained(res);
          if (res.destroyed) throw new ConnectionDropped('client closed the connection');
        }
      }
    }
    if (this.dropAfter !== undefined && this.bytesOut >= this.dropAfter) this.drop();
    this.onComplete?.();
    res.end();
  }
}

/** Resolves on 'drain' or 'close', leaving no listener behind (long downloads wait often). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
