// One connection's vault entry as the stores keep it, and the checks every backend
// applies when it reads one back.

export const VAULT_VERSION = 1;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface SealedSecret {
  v: number;
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

/** One connection's entry as stored: clear state and sealed secrets. */
export interface VaultEntry {
  v: number;
  connection: string;
  state: Record<string, unknown>;
  secrets: Record<string, SealedSecret>;
}

export class VaultError extends Error {
  override name = 'VaultError';
}

/** Where vault entries live; each backend checks names and entry versions itself. */
export interface VaultRows {
  /** Where an entry lives, for messages (a file path, a table row). */
  where(name: string): string;
  /** What an entry is called in messages ("file", "row"). */
  readonly noun: string;
  load(name: string): Promise<VaultEntry | undefined>;
  /** Read-modify-write of one entry, never interleaved with another change to it (in any process). */
  change(name: string, fn: (cur: VaultEntry | undefined) => VaultEntry): Promise<void>;
  /** Deletes an entry; true if there was one. */
  forget(name: string): Promise<boolean>;
}

/** A connection name, checked before it becomes part of a path or a key. */
export function vaultName(name: string): string {
  if (!NAME.test(name)) throw new VaultError(`'${name}' is not a valid connection name for the vault`);
  return name;
}

/** Parses a stored entry, refusing one that is torn, foreign or of another version. */
export function checkEntry(name: string, text: string, where: string, noun: string): VaultEntry {
  let data: VaultEntry;
  try {
    data = JSON.parse(text) as VaultEntry;
  } catch {
    throw new VaultError(`the vault ${noun} ${where} is not valid JSON; delete it and authorise '${name}' again`);
  }
  if (
    data.v !== VAULT_VERSION ||
    data.connection !== name ||
    typeof data.secrets !== 'object' ||
    typeof data.state !== 'object'
  ) {
    throw new VaultError(
      `the vault ${noun} ${where} is not a version ${VAULT_VERSION} vault entry for '${name}'; delete it and authorise '${name}' again`,
    );
  }
  return data;
}
