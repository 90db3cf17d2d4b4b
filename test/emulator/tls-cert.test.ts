// The sandbox's throwaway certificate is DER built by hand: its serial is random, and
// one in about 256 once began with a zero byte DER forbids ("illegal padding"), which
// failed a CI run. Enough certificates here to meet that case many times over.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { selfSignedCert } from '../../plugins/dropbox/emulator/tls.ts';

describe('the sandbox TLS certificate', () => {
  it('is valid DER every time (2,000 fresh certificates)', () => {
    for (let i = 0; i < 2000; i++) {
      const c = selfSignedCert();
      const x509 = new X509Certificate(c.cert);
      expect(x509.checkPrivateKey(createPrivateKey(c.key))).toBe(true);
      createSecureContext({ key: c.key, cert: c.cert });
    }
  });
});
