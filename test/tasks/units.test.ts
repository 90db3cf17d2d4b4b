// Unit tests for the pure parts of the tasks: masks, filters, sizes and dates,
// placeholders, name sanitisation, overwrite decisions, retention, CSV.
import { describe, expect, it } from 'vitest';
import { join, resolve, sep } from 'node:path';
import { compileMasks, globToRegexSource, matchesAny, maskList } from '../../plugins/dropbox/tasks/glob.ts';
import {
  compileFilter,
  filterProblems,
  parseSize,
  parseWhen,
  sortAndLimit,
  type Candidate,
} from '../../plugins/dropbox/tasks/filters.ts';
import { expandPlaceholders, unknownPlaceholders } from '../../plugins/dropbox/tasks/placeholders.ts';
import { wallTimeToDate } from '../../src/zoned-time.ts';
import { localPathFor, unsafeNameReason } from '../../plugins/dropbox/tasks/local-paths.ts';
import { refusedName } from '../../plugins/dropbox/tasks/ignore.ts';
import { decide } from '../../plugins/dropbox/tasks/overwrite.ts';
import { selectForDeletion } from '../../plugins/dropbox/tasks/retention.ts';
import { csvField, entriesToCsv } from '../../plugins/dropbox/tasks/csv.ts';
import { normalizeRemote, relativeRemote } from '../../plugins/dropbox/tasks/remote-paths.ts';
import { impossibleRemote } from '../../plugins/dropbox/tasks/remote-entries.ts';
import { walkLocal } from '../../plugins/dropbox/tasks/local-paths.ts';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { FileMetadata, FolderMetadata } from '../../plugins/dropbox/api/types.ts';

const m = (masks: string[], path: string, opts = {}) => matchesAny(compileMasks(masks, opts), path);

describe('glob masks', () => {
  it('* and ? stay within a folder, ** crosses folders', () => {
    expect(m(['*.txt'], 'a.txt')).toBe(true);
    expect(m(['*.txt'], 'sub/deeper/a.txt')).toBe(true); // no '/' in the mask: matched on the name
    expect(m(['sub/*.txt'], 'sub/deeper/a.txt')).toBe(false);
    expect(m(['sub/**/*.txt'], 'sub/deeper/a.txt')).toBe(true);
    expect(m(['sub/**/*.txt'], 'sub/a.txt')).toBe(true); // **/ also matches no folder
    expect(m(['**'], 'x/y/z')).toBe(true);
    expect(m(['file?.log'], 'file1.log')).toBe(true);
    expect(m(['file?.log'], 'file12.log')).toBe(false);
    expect(m(['*.sql.gz'], 'db.sql.gz')).toBe(true);
    expect(m(['*.sql.gz'], 'db.sqlxgz')).toBe(false); // '.' is literal
  });
  it('escapes regex characters in globs', () => {
    expect(globToRegexSource('a+(b).[c]$')).toBe('^a\\+\\(b\\)\\.\\[c\\]\\$$');
    expect(m(['report (1).pdf'], 'report (1).pdf')).toBe(true);
  });
  it('is case-insensitive unless asked, and Unicode-normalised', () => {
    expect(m(['*.TXT'], 'a.txt')).toBe(true);
    expect(m(['*.TXT'], 'a.txt', { caseSensitive: true })).toBe(false);
    expect(m(['Café*'], 'Cafe\u0301 menu.txt')).toBe(true); // NFD name, NFC mask
    expect(m(['日本*'], '日本語 ファイル.txt')).toBe(true);
  });
  it('regex masks, and a bad regex names itself', () => {
    expect(m(['^report-\\d{4}\\.csv$'], 'report-2026.csv', { regex: true })).toBe(true);
    expect(m(['^report-\\d{4}\\.csv$'], 'report-26.csv', { regex: true })).toBe(false);
    expect(() => compileMasks(['(unclosed'], { regex: true })).toThrow(
      /'\(unclosed' is not a valid regular expression/,
    );
  });
  it("splits ';'-separated globs but not regexes", () => {
    expect(maskList('*.doc; *.txt')).toEqual(['*.doc', '*.txt']);
    expect(maskList('a;b', true)).toEqual(['a;b']);
    expect(maskList(undefined)).toEqual([]);
  });
});

describe('sizes and dates', () => {
  it('parses sizes with decimal and binary units', () => {
    expect(parseSize('10MB')).toBe(10_000_000);
    expect(parseSize('10MiB')).toBe(10 * 1024 * 1024);
    expect(parseSize('1.5 GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('512')).toBe(512);
    expect(parseSize('512B')).toBe(512);
    expect(parseSize('2k')).toBe(2000);
    expect(parseSize(4096)).toBe(4096);
    expect(parseSize('ten MB')).toBeUndefined();
    expect(parseSize('5 XB')).toBeUndefined();
  });
  it('parses durations back from now and ISO dates in the job time zone', () => {
    const now = new Date('2026-03-10T12:00:00Z');
    expect(parseWhen('30d', now, 'UTC')!.toISOString()).toBe('2026-02-08T12:00:00.000Z');
    expect(parseWhen('2026-01-31', now, 'UTC')!.toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(parseWhen('2026-01-31', now, 'Europe/Berlin')!.toISOString()).toBe('2026-01-30T23:00:00.000Z');
    expect(parseWhen('2026-07-01T08:30', now, 'Europe/Berlin')!.toISOString()).toBe('2026-07-01T06:30:00.000Z');
    expect(parseWhen('2026-07-01T08:30:00Z', now, 'Europe/Berlin')!.toISOString()).toBe('2026-07-01T08:30:00.000Z');
    expect(parseWhen('last week', now, 'UTC')).toBeUndefined();
    expect(parseWhen('2026-13-01', now, 'UTC')).toBeUndefined();
  });
  it('wall time across a DST change', () => {
    // 2026-03-29 03:30 Berlin is after spring-forward (UTC+2).
    expect(wallTimeToDate(2026, 3, 29, 3, 30, 0, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(wallTimeToDate(2026, 3, 29, 1, 30, 0, 'Europe/Berlin').toISOString()).toBe('2026-03-29T00:30:00.000Z');
  });
});

describe('compiled filters', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  const c = (relPath: string, size: number, daysAgo: number, folder = false): Candidate => ({
    relPath,
    folder,
    size: folder ? undefined : size,
    modified: new Date(now.getTime() - daysAgo * 86_400_000),
  });

  it('combines masks, recursion, excluded folders, dates and sizes', () => {
    const f = compileFilter(
      {
        include: ['*.log', '*.txt'],
        exclude: ['secret*'],
        recursive: true,
        excludeFolders: ['node_modules', 'cache*'],
        newerThan: '30d',
        olderThan: '1d',
        minSize: '1KB',
        maxSize: '1MiB',
      },
      now,
      'UTC',
    );
    expect(f.accepts(c('a.log', 2000, 5))).toBe(true);
    expect(f.accepts(c('sub/a.txt', 2000, 5))).toBe(true);
    expect(f.accepts(c('a.bin', 2000, 5))).toBe(false); // not included
    expect(f.accepts(c('secret.txt', 2000, 5))).toBe(false); // excluded
    expect(f.accepts(c('node_modules/x/a.txt', 2000, 5))).toBe(false); // inside an excluded folder
    expect(f.accepts(c('cache2/a.txt', 2000, 5))).toBe(false);
    expect(f.accepts(c('a.log', 2000, 40))).toBe(false); // too old
    expect(f.accepts(c('a.log', 2000, 0))).toBe(false); // too new
    expect(f.accepts(c('a.log', 999, 5))).toBe(false); // too small
    expect(f.accepts(c('a.log', 1024 * 1024 + 1, 5))).toBe(false); // too large
    expect(f.descend('src')).toBe(true);
    expect(f.descend('node_modules')).toBe(false);
  });
  it('without recursion only the top level matches; an undated entry never passes a date filter', () => {
    const f = compileFilter({ olderThan: '1d' }, now, 'UTC');
    expect(f.accepts(c('sub/a.txt', 1, 5))).toBe(false);
    expect(f.descend('sub')).toBe(false);
    expect(f.accepts({ relPath: 'folder', folder: true })).toBe(false);
    expect(compileFilter({}, now, 'UTC').accepts({ relPath: 'folder', folder: true })).toBe(true);
  });
  it('sorts and limits deterministically', () => {
    const items = [c('b', 30, 3), c('a', 10, 1), c('c', 20, 2)];
    expect(sortAndLimit(items, { sort: { by: 'size', order: 'desc' } }).map((x) => x.relPath)).toEqual(['b', 'c', 'a']);
    expect(sortAndLimit(items, { sort: { by: 'modified' }, limit: 2 }).map((x) => x.relPath)).toEqual(['b', 'c']);
    expect(sortAndLimit(items, { limit: 2 }).map((x) => x.relPath)).toEqual(['a', 'b']);
    expect(sortAndLimit([c('file10', 1, 1), c('file9', 1, 1)], { sort: { by: 'name' } }).map((x) => x.relPath)).toEqual(
      ['file9', 'file10'],
    );
  });
  it('check() problems for bad options', () => {
    expect(filterProblems({ include: ['(x'], regex: true })[0]![0]).toBe('include');
    expect(filterProblems({ newerThan: 'yesterday' })[0]).toEqual([
      'newerThan',
      expect.stringMatching(/neither a duration/),
    ]);
    expect(filterProblems({ minSize: '2MB', maxSize: '1MB' })[0]![0]).toBe('minSize');
    expect(filterProblems({ newerThan: '1d', olderThan: '7d' })[0]![0]).toBe('newerThan');
    expect(filterProblems({ include: '*.txt', newerThan: '7d', olderThan: '1d', minSize: '1KiB' })).toEqual([]);
  });
});

describe('placeholders', () => {
  const vars = { now: new Date('2026-12-31T23:30:05Z'), timezone: 'Europe/Berlin', job: 'nightly' };
  it('are evaluated in the job time zone', () => {
    expect(expandPlaceholders('/b/{date}/{job}', vars)).toBe('/b/2027-01-01/nightly');
    expect(expandPlaceholders('{yyyy}/{MM}/{dd} {HH}{mm}{ss} {time} {datetime}', vars)).toBe(
      '2027/01/01 003005 00-30-05 2027-01-01_00-30-05',
    );
    expect(expandPlaceholders('/b/{date}', { ...vars, timezone: 'America/New_York' })).toBe('/b/2026-12-31');
    expect(expandPlaceholders('no braces', vars)).toBe('no braces');
  });
  it('unknown ones are reported, not silently kept', () => {
    expect(unknownPlaceholders('/b/{date}/{dat}/{YYYY}')).toEqual(['dat', 'YYYY']);
    expect(expandPlaceholders('/b/{dat}', vars)).toBe('/b/{dat}');
  });
});

describe('remote names written locally', () => {
  const target = resolve('/tmp/target');
  it('accepts ordinary, Unicode and space-containing names', () => {
    expect(localPathFor(target, 'a/b c/ünïcødé 日本.txt')).toEqual({
      path: join(target, 'a', 'b c', 'ünïcødé 日本.txt'),
    });
  });
  it.each([
    ['../evil.txt'],
    ['a/../../evil.txt'],
    ['..'],
    ['./x'],
    ['/etc/passwd'],
    ['a\\..\\..\\evil'],
    ['a/\0b'],
    ['x\ny'],
    ['a//b'],
  ])('refuses %j', (rel) => {
    const r = localPathFor(target, rel);
    expect('problem' in r).toBe(true);
  });
  it('applies Windows rules on Windows', () => {
    expect(unsafeNameReason('a:b.txt', 'win32')).toMatch(/Windows/);
    expect(unsafeNameReason('CON.txt', 'win32')).toMatch(/reserved/);
    expect(unsafeNameReason('trailing.', 'win32')).toMatch(/space or a dot/);
    expect(unsafeNameReason('a:b.txt', 'linux')).toBeUndefined();
  });
  it('never resolves outside the target', () => {
    for (const rel of ['a/b', 'x y', 'ü']) {
      const r = localPathFor(target, rel);
      expect('path' in r && r.path.startsWith(target + sep)).toBe(true);
    }
  });
});

describe('names Dropbox refuses', () => {
  it.each([
    '.DS_Store',
    'desktop.ini',
    'Thumbs.db',
    '~$report.docx',
    'trailing ',
    'dot.',
    'Icon\r',
    '.dropbox',
    '.dropbox.attr',
  ])('%j is skipped', (n) => {
    expect(refusedName(n)).toBeTruthy();
  });
  it.each(['report.docx', '.env', 'a b.txt', 'ünï.txt', '~report.txt'])('%j is fine', (n) => {
    expect(refusedName(n)).toBeUndefined();
  });
});

describe('overwrite policies', () => {
  const t = (s: string) => new Date(s);
  const side = (size: number, modified: string, hash?: string) => ({
    size,
    modified: t(modified),
    hash: async () => hash,
  });
  it('decides per policy', async () => {
    const src = side(10, '2026-01-02T00:00:00.400Z', 'h1');
    expect((await decide('never', src, undefined)).transfer).toBe(true);
    expect((await decide('never', src, side(10, '2026-01-01T00:00:00Z'))).transfer).toBe(false);
    expect((await decide('always', src, side(10, '2026-01-03T00:00:00Z', 'h1'))).transfer).toBe(true);
    expect((await decide('if-newer', src, side(10, '2026-01-01T00:00:00Z'))).transfer).toBe(true);
    expect((await decide('if-newer', src, side(10, '2026-01-02T00:00:00Z'))).transfer).toBe(false); // same second
    expect((await decide('if-different', src, side(11, '2026-01-01T00:00:00Z', 'h1'))).reason).toMatch(
      /different size/,
    );
    expect((await decide('if-different', src, side(10, '2026-01-01T00:00:00Z', 'h1'))).transfer).toBe(false);
    expect((await decide('if-different', src, side(10, '2026-01-01T00:00:00Z', 'h2'))).transfer).toBe(true);
  });
  it('hashes only when sizes match', async () => {
    let hashed = 0;
    const lazy = { size: 5, modified: t('2026-01-01T00:00:00Z'), hash: async () => (hashed++, 'x') };
    await decide('if-different', lazy, side(6, '2026-01-01T00:00:00Z', 'x'));
    expect(hashed).toBe(0);
    await decide('if-different', lazy, side(5, '2026-01-01T00:00:00Z', 'x'));
    expect(hashed).toBe(1);
  });
});

describe('retention', () => {
  const now = new Date('2026-03-10T00:00:00Z');
  const day = (n: number): Candidate => ({
    relPath: `d${String(n).padStart(2, '0')}`,
    folder: true,
    modified: new Date(now.getTime() - n * 86_400_000),
  });
  const all = Array.from({ length: 40 }, (_, i) => day(i));
  const cutoff = new Date(now.getTime() - 30 * 86_400_000);

  it('olderThan alone deletes everything older', () => {
    const r = selectForDeletion(all, { olderThan: cutoff });
    expect(r.remove.map((x) => x.relPath).sort()).toEqual(all.slice(31).map((x) => x.relPath));
  });
  it('keepLast alone keeps the N newest', () => {
    const r = selectForDeletion(all, { keepLast: 7 });
    expect(r.remove).toHaveLength(33);
    expect(r.keep.map((k) => k.item.relPath).sort()).toEqual(['d00', 'd01', 'd02', 'd03', 'd04', 'd05', 'd06']);
  });
  it('keepLast protects old backups when there are few', () => {
    const old = [day(40), day(50), day(60)];
    expect(selectForDeletion(old, { olderThan: cutoff, keepLast: 2 }).remove.map((x) => x.relPath)).toEqual(['d60']);
  });
  it('never deletes what it cannot date when a date rule applies', () => {
    const undated: Candidate = { relPath: 'empty', folder: true };
    expect(selectForDeletion([undated, day(90)], { olderThan: cutoff }).remove.map((x) => x.relPath)).toEqual(['d90']);
    expect(selectForDeletion([undated], {}).remove).toHaveLength(1); // mask-only delete: it matched
  });
});

describe('CSV', () => {
  it('quotes what needs quoting', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField(' lead')).toBe('" lead"');
    expect(csvField(undefined)).toBe('');
  });
  it('keeps names that look like formulas as text', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvField('+1.csv')).toBe("'+1.csv");
    expect(csvField('@sum')).toBe("'@sum");
    expect(csvField(-5)).toBe('-5'); // numbers stay numbers
  });
  it('writes a header and one row per entry', () => {
    const file: FileMetadata = {
      '.tag': 'file',
      name: 'a, "b".txt',
      id: 'id:1',
      path_display: '/x/a, "b".txt',
      client_modified: '2026-01-01T00:00:00Z',
      server_modified: '2026-01-02T00:00:00Z',
      rev: '0123456789',
      size: 3,
      content_hash: 'h',
    };
    const folder: FolderMetadata = { '.tag': 'folder', name: 'x', id: 'id:2', path_display: '/x' };
    expect(entriesToCsv([file, folder])).toBe(
      'type,name,path,size,client_modified,server_modified,content_hash,id,rev\r\n' +
        'file,"a, ""b"".txt","/x/a, ""b"".txt",3,2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,h,id:1,0123456789\r\n' +
        'folder,x,/x,,,,,id:2,\r\n',
    );
  });
});

describe('remote paths', () => {
  it('normalises and rejects', () => {
    expect(normalizeRemote('/')).toEqual({ path: '' });
    expect(normalizeRemote('/a/b/')).toEqual({ path: '/a/b' });
    expect('problem' in normalizeRemote('a/b')).toBe(true);
    expect('problem' in normalizeRemote('/a/../b')).toBe(true);
    expect(relativeRemote('/Backups', '/backups/X/y.txt')).toBe('X/y.txt');
    expect(relativeRemote('', '/a.txt')).toBe('a.txt');
    expect(relativeRemote('/a', '/ab/c')).toBeUndefined();
  });
});

describe('listed paths that Dropbox cannot produce', () => {
  it.each([
    ['../x', '../x', false],
    ['a/../x', 'x', false],
    ['/abs', 'abs', false],
    ['a//b', 'b', false],
    ['a/b', 'a/b', false],
    ['', '', false],
    ['.', '.', false],
    ['..', '..', false],
    ['a/.', '.', false],
    ['a/./b', 'b', false],
    ['./a', 'a', false],
    ['a/', '', false],
    ['a/bb', 'b', false],
    ['a/b', 'ab', false],
    ['a b/ü.txt', 'ü.txt', true],
    ['x', 'x', true],
    ['..a/.b/c..', 'c..', true],
    ['a/...', '...', true],
  ])('%j (name %j) is possible: %j', (rel, name, possible) => {
    expect(impossibleRemote(rel, name) === undefined).toBe(possible);
  });
});

describe('walking local folders', () => {
  it('yields files in name order, prunes folders, does not follow folder links', async () => {
    const root = await mkdtemp(join(tmpdir(), 'dropcron-walk-'));
    try {
      await mkdir(join(root, 'b', 'skip'), { recursive: true });
      await writeFile(join(root, 'a.txt'), 'a');
      await writeFile(join(root, 'b', 'c.txt'), 'c');
      await writeFile(join(root, 'b', 'skip', 'd.txt'), 'd');
      await symlink(join(root, 'b'), join(root, 'loop'));
      await symlink(join(root, 'a.txt'), join(root, 'link.txt'));
      const warnings: string[] = [];
      const seen: string[] = [];
      for await (const f of walkLocal(root, { descend: (rel) => rel !== 'b/skip', warn: (m) => warnings.push(m) }))
        seen.push(f.relPath);
      expect(seen).toEqual(['a.txt', 'b/c.txt', 'link.txt']);
      expect(warnings).toEqual([expect.stringMatching(/loop: symbolic link to a folder is not followed/)]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
