// The error model: one catalogue per owner, ERRORS.md generated from them and equal to
// them, every code used by the code that throws it, kinds where the scheduler and the
// admin API read them.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRORS_MD, generatedErrorsReference } from '../../src/errors-reference.ts';
import { coreErrors, httpStatus, toCoded, ERROR_KINDS } from '../../src/errors.ts';
import { dropboxErrors, worstKind } from '../../plugins/dropbox/error-codes.ts';
import { errorFromResponse, InsufficientSpaceError, InvalidGrantError } from '../../plugins/dropbox/api/errors.ts';
import { OAuthError, NotAuthorisedError } from '../../plugins/dropbox/auth/errors.ts';
import { ResultBuilder, TaskFailedError } from '../../plugins/dropbox/tasks/result.ts';
import { pluginError as adminError } from '../../src/admin/context.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.includes('emulator'))
    .map((f) => join(root, dir, f));
}

describe('error catalogues', () => {
  it('ERRORS.md is up to date (run: npx tsx src/errors-reference.ts)', async () => {
    expect(readFileSync(ERRORS_MD, 'utf8')).toBe(await generatedErrorsReference());
  });

  it('codes are unique, well formed, prefixed by owner, with a known kind, meaning and fix', () => {
    const all = [...Object.entries(coreErrors), ...Object.entries(dropboxErrors)];
    expect(new Set(all.map(([c]) => c)).size).toBe(all.length);
    for (const [code, e] of all) {
      expect(code).toMatch(/^(DC|DBX)_[A-Z0-9_]+$/);
      expect(ERROR_KINDS).toContain(e.kind);
      expect(e.meaning.length).toBeGreaterThan(10);
      expect(e.fix.length).toBeGreaterThan(5);
    }
  });

  it('every catalogued code is thrown somewhere: no entry without a use', () => {
    // The catalogues themselves do not count as uses; what follows them in the same file does.
    const afterCatalogue = (t: string) => t.slice(t.indexOf('satisfies ErrorCatalogue') + 1);
    const text = [...sources('src'), ...sources('plugins')]
      .map((f) => readFileSync(f, 'utf8'))
      .map((t) => (t.includes('satisfies ErrorCatalogue') ? afterCatalogue(t) : t))
      .join('\n');
    const unused = [...Object.keys(coreErrors), ...Object.keys(dropboxErrors)].filter(
      (code) => !text.includes(`'${code}'`),
    );
    expect(unused).toEqual([]);
  });
});

describe('kinds where they matter', () => {
  const f = { route: 'files/upload' };
  it.each([
    [new InvalidGrantError('revoked', f), 'DBX_GRANT_REVOKED', 'fatal'],
    [new InsufficientSpaceError('full', f, 10), 'DBX_INSUFFICIENT_SPACE', 'fatal'],
    [new NotAuthorisedError('sign in', 'needs-authorisation'), 'DBX_NEEDS_AUTH', 'fatal'],
    [new OAuthError('refused', 'invalid_grant', 400), 'DBX_GRANT_REVOKED', 'fatal'],
    [new OAuthError('down', 'temporarily_unavailable', 503), 'DBX_SERVER_ERROR', 'transient'],
    [errorFromResponse({ route: 'files/upload', status: 503, body: '' }), 'DBX_SERVER_ERROR', 'transient'],
    [errorFromResponse({ route: 'files/upload', status: 429, body: '' }), 'DBX_RATE_LIMITED', 'transient'],
    [
      errorFromResponse({
        route: 'files/get_metadata',
        status: 409,
        body: JSON.stringify({
          error_summary: 'path/not_found/',
          error: { '.tag': 'path', path: { '.tag': 'not_found' } },
        }),
      }),
      'DBX_NOT_FOUND',
      'no-retry',
    ],
    [new Error('a bug\n    at somewhere'), 'DC_INTERNAL', 'transient'],
  ])('%s is %s, %s', (err, code, kind) => {
    expect(toCoded(err)).toEqual({ code, kind, message: expect.not.stringContaining('\n') });
  });

  it('a task with failed items is as bad as its worst failure', () => {
    expect(worstKind(['transient', 'no-retry'])).toBe('no-retry');
    expect(worstKind(['transient', 'fatal', 'user'])).toBe('fatal');
    expect(worstKind(['transient'])).toBe('transient');
    const r = new ResultBuilder();
    r.fail('/a', errorFromResponse({ route: 'files/upload', status: 503, body: '' }));
    r.fail('/b', new InsufficientSpaceError('full', f, 10));
    let thrown: unknown;
    try {
      r.finish();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TaskFailedError);
    expect(toCoded(thrown)).toMatchObject({ code: 'DBX_ITEMS_FAILED', kind: 'fatal' });
  });

  it('the admin API answers with the status of the kind, never by class name', () => {
    expect(adminError(new NotAuthorisedError('sign in first', 'needs-authorisation')).statusCode).toBe(409);
    expect(adminError(new OAuthError('bad secret', 'invalid_client', 400)).statusCode).toBe(422);
    expect(adminError(errorFromResponse({ route: 'files/upload', status: 503, body: '' })).statusCode).toBe(502);
    // A renamed class with the same code and kind answers the same.
    const lookalike = Object.assign(new Error('sign in first'), { code: 'DBX_NEEDS_AUTH', kind: 'fatal' });
    expect(adminError(lookalike).statusCode).toBe(409);
    expect(httpStatus({ code: 'DC_USAGE', kind: 'user', message: '' })).toBe(400);
  });
});
