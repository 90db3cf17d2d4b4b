import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { FlowStore, FLOW_TTL_MS } from '../../plugins/dropbox/auth/flow-state.ts';
import { challengeS256, createVerifier, createState } from '../../plugins/dropbox/auth/pkce.ts';
import { AuthFlowError } from '../../plugins/dropbox/auth/errors.ts';

describe('PKCE', () => {
  it('makes a 43-128 character verifier and its S256 challenge', () => {
    const v = createVerifier();
    expect(v).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(challengeS256(v)).toBe(createHash('sha256').update(v).digest('base64url'));
    expect(challengeS256(v)).not.toContain('=');
    // RFC 7636 appendix B test vector
    expect(challengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('never repeats a state or verifier', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      seen.add(createState());
      seen.add(createVerifier());
    }
    expect(seen.size).toBe(2000);
  });
});

describe('flow state', () => {
  const entry = {
    connection: 'work',
    flow: 'cli-browser' as const,
    verifier: 'v',
    redirectUri: 'http://localhost:53682/oauth2/callback',
  };

  it('is single use: the second take is a replay', () => {
    const store = new FlowStore();
    const s = store.create(entry);
    expect(store.take(s, 'work').verifier).toBe('v');
    expect(() => store.take(s, 'work')).toThrow(/already used \(replayed state\)/);
  });

  it('rejects a forged state and a missing one', () => {
    const store = new FlowStore();
    store.create(entry);
    expect(() => store.take('forged', 'work')).toThrow(/unknown state/);
    expect(() => store.take(undefined, 'work')).toThrow(AuthFlowError);
  });

  it('expires after 10 minutes, by the injected clock', () => {
    let now = 1_000_000;
    const store = new FlowStore(() => now);
    const a = store.create(entry);
    const b = store.create(entry);
    now += FLOW_TTL_MS;
    expect(store.take(a, 'work').connection).toBe('work'); // exactly 10 minutes: still valid
    now += 1;
    expect(() => store.take(b, 'work')).toThrow(/expired/);
    expect(() => store.take(b, 'work')).toThrow(/expired/);
  });

  it('is bound to its connection, and a mismatched use ends it', () => {
    const store = new FlowStore();
    const s = store.create(entry);
    expect(() => store.take(s, 'other')).toThrow(/belongs to connection 'work'/);
    expect(() => store.take(s, 'work')).toThrow(/replayed/);
  });

  it('sweeps expired flows when new ones start', () => {
    let now = 0;
    const store = new FlowStore(() => now);
    const s = store.create(entry);
    now += FLOW_TTL_MS + 1;
    store.create(entry);
    expect(store.size).toBe(1);
    expect(() => store.take(s)).toThrow(/expired/);
  });
});
