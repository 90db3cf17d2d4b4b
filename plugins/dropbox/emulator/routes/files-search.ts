// files/search_v2 (+ continue_v2): by name words, in the caller's view, paged by cursor.
// (Dropbox's index also searches contents and lags behind writes; this one does neither.)
import { badRequest, nest, routeError, tag } from '../errors.ts';
import { entryMeta } from '../metadata.ts';
import { PATH_R_OR_ID, lookup, visibleChildren } from '../paths.ts';
import type { Call, RouteDef } from '../state.ts';
import { fold, type FolderNode, type Node } from '../tree.ts';
import { asRouteError, bool, opt, t } from './common.ts';
import { deletedUnder, ownerKey, render } from './files-read.ts';

const CATEGORY: Record<string, string[]> = {
  image: ['jpg', 'jpeg', 'png', 'gif', 'bmp', 'tif', 'tiff', 'heic', 'webp', 'svg'],
  document: ['doc', 'docx', 'txt', 'odt', 'rtf', 'md', 'pages'],
  pdf: ['pdf'],
  spreadsheet: ['xls', 'xlsx', 'csv', 'ods', 'numbers'],
  presentation: ['ppt', 'pptx', 'odp', 'key'],
  audio: ['mp3', 'wav', 'flac', 'aac', 'm4a', 'ogg'],
  video: ['mp4', 'mov', 'avi', 'mkv', 'webm', 'm4v'],
};
const extOf = (name: string) => (name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '');

function category(n: Node): string {
  if (n.kind === 'folder') return 'folder';
  const ext = extOf(n.name);
  for (const [cat, exts] of Object.entries(CATEGORY)) if (exts.includes(ext)) return cat;
  return 'others';
}

const SEARCH_OPTIONS = t.struct({
  path: opt(t.str({ pattern: PATH_R_OR_ID })),
  max_results: { ty: t.uint({ min: 1, max: 1000 }), default: 100 },
  order_by: opt(t.union({ relevance: null, last_modified_time: null })),
  file_status: { ty: t.union({ active: null, deleted: null }), default: { tag: 'active' } },
  filename_only: bool(false),
  file_extensions: opt(t.list(t.str())),
  file_categories: opt(
    t.list(t.union(Object.fromEntries([...Object.keys(CATEGORY), 'folder', 'paper', 'others'].map((k) => [k, null])))),
  ),
  account_id: opt(t.str({ min: 40, max: 40 })),
});

function highlightSpans(name: string, words: string[]): Array<{ highlight_str: string; is_highlighted: boolean }> {
  const lower = name.toLowerCase();
  const marks = new Array<boolean>(name.length).fill(false);
  for (const w of words)
    for (let i = lower.indexOf(w); i >= 0 && w; i = lower.indexOf(w, i + 1)) marks.fill(true, i, i + w.length);
  const spans: Array<{ highlight_str: string; is_highlighted: boolean }> = [];
  for (let i = 0; i < name.length;) {
    let j = i;
    while (j < name.length && marks[j] === marks[i]) j++;
    spans.push({ highlight_str: name.slice(i, j), is_highlighted: marks[i]! });
    i = j;
  }
  return spans;
}

interface SearchPage {
  items: Array<Node | Record<string, unknown>>;
  index: number;
  max: number;
  words: string[];
  highlights: boolean;
}

function searchPage(call: Call, s: SearchPage) {
  const end = Math.min(s.index + s.max, s.items.length);
  const matches = s.items.slice(s.index, end).map((i) => {
    const m = render(call, i);
    return {
      metadata: { '.tag': 'metadata', metadata: m },
      match_type: { '.tag': 'filename' },
      ...(s.highlights ? { highlight_spans: highlightSpans(String(m.name), s.words) } : {}),
    };
  });
  const hasMore = end < s.items.length;
  if (!hasMore) return { matches, has_more: false };
  const id = call.st.newId('SRC');
  const kept = call.st.searchCursors;
  kept.set(id, { owner: ownerKey(call), ...s, index: end } as never);
  if (kept.size > 1000) kept.delete(kept.keys().next().value!);
  return { matches, has_more: true, cursor: id };
}

export const searchRoutes: RouteDef[] = [
  {
    name: 'files/search_v2',
    style: 'rpc',
    auth: 'user',
    scope: 'files.metadata.read',
    arg: t.struct({
      query: t.str({ max: 1000 }),
      options: opt(SEARCH_OPTIONS),
      match_field_options: opt(t.struct({ include_highlights: bool(false) })),
      include_highlights: opt(t.bool),
    }),
    async handle(call) {
      const { arg, caller, st } = call;
      const o = arg.options ?? SEARCH_OPTIONS.parse({}, '');
      const words = String(arg.query).toLowerCase().split(/\s+/).filter(Boolean);
      if (!words.length) throw routeError(nest('invalid_argument', 'query must not be empty'));
      const scope = o.path ? asRouteError('path', () => lookup(caller, o.path)) : caller.root;
      if (scope.kind !== 'folder') throw routeError(nest('path', tag('not_folder')));
      const matchesName = (name: string) => words.every((w) => name.toLowerCase().includes(w));
      const exts: string[] | undefined = o.file_extensions?.map((e: string) => e.replace(/^\./, '').toLowerCase());
      const cats: string[] | undefined = o.file_categories?.map((c: { tag: string }) => c.tag);
      const keep = (n: Node) =>
        matchesName(n.name) &&
        (!exts || (n.kind === 'file' && exts.includes(extOf(n.name)))) &&
        (!cats || cats.includes(category(n)));
      let items: Array<Node | Record<string, unknown>> = [];
      if (o.file_status.tag === 'deleted') {
        const rootDisplay = st.tree.displayPath(caller.root);
        for (const e of deletedUnder(call, fold(st.tree.displayPath(scope)), true))
          if (matchesName(e.name)) items.push(entryMeta(caller, e, rootDisplay));
      } else {
        const found: Node[] = [];
        const walk = (dir: FolderNode) => {
          for (const c of visibleChildren(caller, dir)) {
            if (keep(c)) found.push(c);
            if (c.kind === 'folder') walk(c);
          }
        };
        walk(scope);
        if (o.order_by?.tag === 'last_modified_time') {
          const when = (n: Node) => (n.kind === 'file' ? n.serverModified : '');
          found.sort((a, b) => when(b).localeCompare(when(a)));
        } else {
          // Relevance, roughly: exact names first, then shorter names.
          const q = words.join(' ');
          found.sort(
            (a, b) =>
              Number(b.name.toLowerCase() === q) - Number(a.name.toLowerCase() === q) || a.name.length - b.name.length,
          );
        }
        items = found;
      }
      const highlights = !!(arg.match_field_options?.include_highlights ?? arg.include_highlights);
      return searchPage(call, { items, index: 0, max: o.max_results, words, highlights });
    },
  },
  {
    name: 'files/search/continue_v2',
    style: 'rpc',
    auth: 'user',
    scope: 'files.metadata.read',
    arg: t.struct({ cursor: t.str({ min: 1 }) }),
    async handle(call) {
      const s = call.st.searchCursors.get(call.arg.cursor) as (SearchPage & { owner: string }) | undefined;
      if (!s || s.owner !== ownerKey(call))
        throw badRequest(call.route.name, `Invalid "cursor" parameter: '${call.arg.cursor}'`);
      return searchPage(call, s);
    },
  },
];
