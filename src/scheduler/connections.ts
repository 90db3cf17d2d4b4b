// Live connections, opened lazily through the plugin's ConnectionType.open and
// cached per connection definition version: a changed definition (hot reload) gets a
// fresh client and dispatcher, and the old version's client and dispatcher are closed
// together once the runs using it have finished. This cache alone decides when; the
// dispatcher pool only holds them.
import type { ConnectionDefinition } from '../plugin.ts';
import type { Registry } from '../registry.ts';
import type { OwnedServices } from '../services.ts';

interface Entry {
  key: string;
  def: ConnectionDefinition;
  conn: Promise<unknown>;
  users: number;
  stale: boolean;
}

export interface Lease {
  connection: unknown;
  release(): void;
}

export class ConnectionCache {
  private defs = new Map<string, ConnectionDefinition>();
  private readonly open = new Map<string, Entry>();
  private readonly retired = new Set<Entry>();

  constructor(
    private readonly registry: Registry,
    private readonly services: OwnedServices,
  ) {}

  /** Replaces the known definitions; clients and dispatchers of changed or removed ones are retired. */
  setDefinitions(defs: ConnectionDefinition[]): void {
    this.defs = new Map(defs.map((d) => [d.name, d]));
    for (const [name, entry] of this.open) {
      const def = this.defs.get(name);
      if (!def || versionKey(def) !== entry.key) this.retire(name, entry);
    }
    this.closeUnusedDispatchers();
  }

  definitions(): ConnectionDefinition[] {
    return [...this.defs.values()];
  }

  async acquire(name: string): Promise<Lease> {
    const def = this.defs.get(name);
    if (!def) throw new Error(`connection '${name}' is not defined (or its file is invalid)`);
    const ct = this.registry.connectionTypes.get(def.type);
    if (!ct) throw new Error(`connection '${name}' has type '${def.type}', which no loaded plugin provides`);
    let entry = this.open.get(name);
    if (!entry || entry.key !== versionKey(def)) {
      if (entry) this.retire(name, entry);
      const conn = Promise.resolve().then(() => ct.open(def, this.services));
      entry = { key: versionKey(def), def, conn, users: 0, stale: false };
      this.open.set(name, entry);
      // A failed open is not cached: the next run tries again.
      const e = entry;
      conn.catch(() => {
        if (this.open.get(name) === e) this.open.delete(name);
      });
    }
    const e = entry;
    e.users++;
    let connection: unknown;
    try {
      connection = await e.conn;
    } catch (err) {
      e.users--;
      throw err;
    }
    let released = false;
    return {
      connection,
      release: () => {
        if (released) return;
        released = true;
        e.users--;
        if (e.stale && e.users === 0) void this.closeEntry(e);
      },
    };
  }

  async close(): Promise<void> {
    const all = [...this.open.values(), ...this.retired];
    this.open.clear();
    this.retired.clear();
    await Promise.all(all.map((e) => this.closeEntry(e)));
  }

  private retire(name: string, entry: Entry): void {
    this.open.delete(name);
    entry.stale = true;
    if (entry.users === 0) void this.closeEntry(entry);
    else this.retired.add(entry);
  }

  private async closeEntry(entry: Entry): Promise<void> {
    this.retired.delete(entry);
    const ct = this.registry.connectionTypes.get(entry.def.type);
    try {
      const conn = await entry.conn;
      await ct?.close?.(conn);
    } catch {
      // A client that failed to open or to close has nothing left to release.
    }
    this.closeUnusedDispatchers();
  }

  /**
   * Keeps the dispatchers of the current definitions and of versions a run still
   * uses; a version's dispatcher thus goes with its client, never under a transfer.
   */
  private closeUnusedDispatchers(): void {
    const keep = new Set([...this.defs.values()].map(versionKey));
    for (const e of [...this.open.values(), ...this.retired]) keep.add(e.key);
    this.services.dispatchers.closeExcept(keep);
  }
}

/** One key per definition version: any change to the file makes a new version. */
export function versionKey(def: ConnectionDefinition): string {
  return JSON.stringify(def);
}
