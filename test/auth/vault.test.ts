import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtemp, readFile, writeFile, stat, chmod, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Vault, VaultError } from '../../src/store/vault.ts';
import { FileVaultRows } from '../../src/store/vault-files.ts';
import { loadMasterKey, MasterKeyError, keyId } from '../../src/store/master-key.ts';

const key = (b = randomBytes(32)) => ({ key: b, kid: keyId(b), source: 'test' });

describe('vault', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dropcron-vault-'));
  });

  it('round-trips secrets and clear state, and forgets them', async () => {
    const v = new Vault(new FileVaultRows(dir), key());
    await v.update('work', {
      state: { scopes: ['a.b'], label: 'Sandy' },
      secrets: { refreshToken: 'rt-secret-value' },
    });
    expect(await v.secret('work', 'refreshToken')).toBe('rt-secret-value');
    expect(await v.state('work')).toEqual({ scopes: ['a.b'], label: 'Sandy' });
    await v.update('work', { state: { label: undefined, needsReauthorisation: true } });
    expect(await v.state('work')).toEqual({ scopes: ['a.b'], needsReauthorisation: true });
    expect(await v.secret('work', 'refreshToken')).toBe('rt-secret-value');
    const raw = await readFile(join(dir, 'vault', 'work.json'), 'utf8');
    expect(raw).not.toContain('rt-secret-value');
    expect((await stat(join(dir, 'vault', 'work.json'))).mode & 0o777).toBe(0o600);
    expect(await v.forget('work')).toBe(true);
    expect(await v.secret('work', 'refreshToken')).toBeUndefined();
    expect(await v.forget('work')).toBe(false);
  });

  it('serialises concurrent updates to one connection', async () => {
    const v = new Vault(new FileVaultRows(dir), key());
    await Promise.all(Array.from({ length: 20 }, (_, i) => v.update('c', { state: { [`k${i}`]: i } })));
    expect(Object.keys(await v.state('c'))).toHaveLength(20);
  });

  it('refuses to decrypt with a different master key, with a clear message', async () => {
    await new Vault(new FileVaultRows(dir), key()).update('work', { secrets: { refreshToken: 'x' } });
    const other = new Vault(new FileVaultRows(dir), key());
    await expect(other.secret('work', 'refreshToken')).rejects.toThrow(
      /^cannot decrypt the vault: the master key does not match/,
    );
  });

  it('detects a tampered ciphertext or tag through the GCM auth tag', async () => {
    const mk = key();
    const v = new Vault(new FileVaultRows(dir), mk);
    await v.update('work', { secrets: { refreshToken: 'some-refresh-token' } });
    const file = join(dir, 'vault', 'work.json');
    const data = JSON.parse(await readFile(file, 'utf8'));
    const ct = Buffer.from(data.secrets.refreshToken.ct, 'base64');
    ct[0]! ^= 1;
    data.secrets.refreshToken.ct = ct.toString('base64');
    await writeFile(file, JSON.stringify(data));
    await expect(v.secret('work', 'refreshToken')).rejects.toThrow(/failed authentication/);
  });

  it('binds a secret to its connection: copied into another file it fails', async () => {
    const v = new Vault(new FileVaultRows(dir), key());
    await v.update('a', { secrets: { refreshToken: 'token-of-a' } });
    await v.update('b', { secrets: { refreshToken: 'token-of-b' } });
    const a = JSON.parse(await readFile(join(dir, 'vault', 'a.json'), 'utf8'));
    const b = JSON.parse(await readFile(join(dir, 'vault', 'b.json'), 'utf8'));
    b.secrets.refreshToken = a.secrets.refreshToken;
    await writeFile(join(dir, 'vault', 'b.json'), JSON.stringify(b));
    await expect(v.secret('b', 'refreshToken')).rejects.toBeInstanceOf(VaultError);
  });

  it('never reuses an IV', async () => {
    const v = new Vault(new FileVaultRows(dir), key());
    const ivs = new Set<string>();
    const cts = new Set<string>();
    for (let i = 0; i < 200; i++) {
      await v.update('work', { secrets: { refreshToken: 'same value every time' } });
      const s = JSON.parse(await readFile(join(dir, 'vault', 'work.json'), 'utf8')).secrets.refreshToken;
      expect(Buffer.from(s.iv, 'base64')).toHaveLength(12);
      ivs.add(s.iv);
      cts.add(s.ct);
    }
    expect(ivs.size).toBe(200);
    expect(cts.size).toBe(200);
  });

  it('rejects names that are not connection names', async () => {
    const v = new Vault(new FileVaultRows(dir), key());
    await expect(v.update('../x', { state: {} })).rejects.toThrow(/not a valid connection name/);
  });
});

describe('master key', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dropcron-mk-'));
  });

  it('creates a 0600 key file on first start and reads the same key back', async () => {
    const a = await loadMasterKey(dir, {});
    expect(a.key).toHaveLength(32);
    expect((await stat(join(dir, 'master.key'))).mode & 0o777).toBe(0o600);
    const b = await loadMasterKey(dir, {});
    expect(b.key.equals(a.key)).toBe(true);
    expect(await readdir(dir)).toEqual(['master.key']);
  });

  it('refuses a key file readable by group or others', async () => {
    await loadMasterKey(dir, {});
    await chmod(join(dir, 'master.key'), 0o644);
    await expect(loadMasterKey(dir, {})).rejects.toThrow(`run: chmod 600 ${join(dir, 'master.key')}`);
    await chmod(join(dir, 'master.key'), 0o640);
    await expect(loadMasterKey(dir, {})).rejects.toBeInstanceOf(MasterKeyError);
  });

  it('takes DROPCRON_MASTER_KEY (base64, 32 bytes) and writes no file', async () => {
    const b = randomBytes(32);
    const k = await loadMasterKey(dir, { DROPCRON_MASTER_KEY: b.toString('base64') });
    expect(k.key.equals(b)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
    await expect(loadMasterKey(dir, { DROPCRON_MASTER_KEY: 'c2hvcnQ=' })).rejects.toThrow(
      /DROPCRON_MASTER_KEY must hold 32 random bytes/,
    );
  });

  it('keeps changes made by two processes at once (a sign-in while the daemon refreshes)', async () => {
    const k = key();
    const daemon = new Vault(new FileVaultRows(dir), k);
    const cli = new Vault(new FileVaultRows(dir), k);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => [
        daemon.update('work', { state: { [`d${i}`]: i } }),
        cli.update('work', { state: { [`c${i}`]: i } }),
      ]).flat(),
    );
    const state = await daemon.state('work');
    expect(Object.keys(state)).toHaveLength(40);
    expect(await readdir(join(dir, 'vault'))).toEqual(['work.json']); // no lock left behind
  });
});
