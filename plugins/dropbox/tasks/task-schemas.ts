// The JSON Schemas of the tasks, built from shared pieces so every task describes
// a filter the same way. `npm exec tsx plugins/dropbox/tasks/gen-schemas.ts` writes them
// to tasks/schemas/*.schema.json and the composed editor schema for job files; a test
// fails when those files are out of date.
import { SIZE_PATTERN } from './filters.ts';

type Schema = Record<string, unknown>;

const masks = (title: string, what: string): Schema => ({
  title,
  type: ['string', 'array'],
  items: { type: 'string', minLength: 1 },
  description: `${what} A list, or one string separated by ';'. Globs: '*' and '?' stay within a folder, '**' crosses folders; a mask without '/' is matched against the name, one with '/' against the path below the task's folder.`,
  examples: [['*.sql.gz', '*.tar'], '*.doc;*.txt'],
});

const size = (title: string, what: string): Schema => ({
  title,
  type: ['string', 'integer'],
  minimum: 0,
  pattern: SIZE_PATTERN,
  errorMessage:
    'must be a size like 500KB, 10MiB or 2GB (B, KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB powers of 1024)',
  description: `${what} Bytes, or a number with a unit: B, KB/MB/GB/TB (1000s), KiB/MiB/GiB/TiB (1024s).`,
  examples: ['10MB', '1GiB', 4096],
});

const when = (title: string, what: string): Schema => ({
  title,
  type: 'string',
  minLength: 1,
  description: `${what} A duration back from the run's start (30d, 12h, 90m, 2w) or an ISO date/date-time (2026-01-31, 2026-01-31T08:00) in the job's time zone.`,
  examples: ['30d', '2026-01-31'],
});

/**
 * `x-remotePath`: the value is a path in the connection's remote store, so the admin UI
 * offers its folder browser there (the core reads the annotation, never the pattern).
 */
const remotePath = (title: string, what: string): Schema => ({
  title,
  type: 'string',
  'x-remotePath': true,
  pattern: '^/',
  errorMessage: "must be a Dropbox path starting with '/' ('/' is the root of the connection)",
  description: `${what} Placeholders {date} {time} {datetime} {yyyy} {MM} {dd} {HH} {mm} {ss} {job} are filled in the job's time zone.`,
});

const filterProps = (files: string): Record<string, Schema> => ({
  include: masks('Include', `Only ${files} matching one of these masks (default: all).`),
  exclude: masks('Exclude', `Leave out ${files} matching one of these masks.`),
  regex: {
    title: 'Masks are regular expressions',
    type: 'boolean',
    default: false,
    description:
      'The include/exclude masks are regular expressions (JavaScript syntax, matched against the name, or the relative path when the regex contains /).',
  },
  caseSensitive: {
    title: 'Case-sensitive masks',
    type: 'boolean',
    default: false,
    description: 'Match masks case-sensitively (default no: Dropbox names are case-insensitive).',
  },
  recursive: { title: 'Include sub folders', type: 'boolean', default: false, description: 'Include sub folders.' },
  excludeFolders: masks(
    'Skip folders',
    'Sub folders not to enter (with recursive: true); a folder mask also covers everything below it.',
  ),
  newerThan: when('Newer than', `Only ${files} modified after this.`),
  olderThan: when('Older than', `Only ${files} modified before this.`),
  minSize: size('Minimum size', `Only files at least this large.`),
  maxSize: size('Maximum size', `Only files at most this large.`),
  sort: {
    title: 'Sort',
    type: 'object',
    additionalProperties: false,
    required: ['by'],
    description: 'Order of the matches (before limit).',
    properties: {
      by: { title: 'By', enum: ['name', 'size', 'modified'], description: 'Sort key.' },
      order: { title: 'Order', enum: ['asc', 'desc'], default: 'asc', description: 'Ascending or descending.' },
    },
  },
  limit: {
    title: 'At most',
    type: 'integer',
    minimum: 1,
    description: 'Take at most this many matches after sorting (by name when no sort is given).',
  },
});

const overwrite: Schema = {
  title: 'When the target exists',
  enum: ['always', 'if-newer', 'if-different', 'never'],
  default: 'if-different',
  description:
    "When the target exists: 'always' replaces it; 'if-newer' when the source's modified time is later; 'if-different' when size or content hash differ (unchanged files are not transferred); 'never' keeps it.",
};

const dateField = (dflt: string): Schema => ({
  title: 'Date the filters use',
  enum: ['modified', 'uploaded'],
  default: dflt,
  description:
    "Which time date filters use: 'modified' is the file's own modification time (client_modified), 'uploaded' when it arrived in Dropbox (server_modified). A folder's time is that of the newest file inside it.",
});

const maxDelete: Schema = {
  title: 'Delete at most (guard)',
  type: 'integer',
  minimum: 1,
  default: 100,
  errorMessage: 'must be a whole number of at least 1 (there is no "unlimited": set it as high as you mean)',
  description:
    'Safety guard: a run that would delete more than this many entries deletes nothing and fails. There is no unlimited setting; raise it explicitly.',
};

const obj = (
  title: string,
  description: string,
  properties: Record<string, Schema>,
  required: string[] = [],
): Schema => ({
  title,
  type: 'object',
  additionalProperties: false,
  description,
  ...(required.length ? { required } : {}),
  properties,
});

/** upload's and list's `link`: a link per file, handed on and reported (tasks/links.ts). */
const link = (files: string): Schema => ({
  title: 'Make links',
  description: `A link to each of ${files}, handed on to the next task and reported in the run's result and its webhook notification. 'temporary': a 4-hour download link; { shared: { expires: 7d, visibility: public | team_only } }: the file's shared link (an existing one is reused; needs the scope sharing.write).`,
  oneOf: [
    { title: 'Temporary link (4 hours)', const: 'temporary' },
    obj(
      'Shared link',
      "The file's shared link; needs the connection's scope sharing.write.",
      {
        shared: obj('Shared link settings', 'How the link is made when the file has none yet.', {
          expires: {
            title: 'Expires after',
            type: 'string',
            pattern: '^[0-9]+(ms|s|m|h|d|w)$',
            errorMessage: 'must be a duration like 7d, 12h or 2w',
            description: "The link stops working this long after the run's start (7d, 12h, 2w). Not on basic accounts.",
          },
          visibility: {
            title: 'Visibility',
            enum: ['public', 'team_only'],
            description: "Who can open it: anyone with the link, or the team's members only (team accounts).",
          },
        }),
      },
      ['shared'],
    ),
  ],
});

export const uploadSchema = obj(
  'Upload',
  'Uploads local files to a Dropbox folder.',
  {
    from: {
      title: 'Local folders',
      type: ['string', 'array'],
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      minLength: 1,
      description:
        "Local source folder(s); relative paths are relative to config.yaml's folder. With several folders, each one's files go to a sub folder of `to` named after it.",
    },
    to: remotePath('To Dropbox folder', 'Dropbox folder to upload into (created when missing).'),
    ...filterProps('files'),
    overwrite,
    keepModified: {
      title: 'Keep modification times',
      type: 'boolean',
      default: true,
      description: "Send each file's modification time as Dropbox's client_modified.",
    },
    deleteSource: {
      title: 'Delete the source after a verified transfer',
      type: 'boolean',
      default: false,
      description:
        'Delete each local file after its upload was verified (size and content hash). Files that were not transferred stay.',
    },
    link: link('the files this run uploaded'),
  },
  ['from', 'to'],
);

export const listSchema = obj(
  'List',
  'Lists a Dropbox folder; the matches go to the next task and, optionally, to a JSON or CSV file.',
  {
    path: remotePath('Dropbox folder', "Dropbox folder to list ('/' for the root)."),
    type: {
      title: 'Entries',
      enum: ['files', 'folders', 'all'],
      default: 'files',
      description: 'Which entries match.',
    },
    dateField: dateField('modified'),
    ...filterProps('entries'),
    output: obj(
      'Also write to a file',
      'Also write the matches to a local file (written atomically).',
      {
        file: {
          title: 'Local file',
          type: 'string',
          minLength: 1,
          description: "Local file; relative to config.yaml's folder; placeholders allowed.",
        },
        format: {
          title: 'Format',
          enum: ['json', 'csv'],
          default: 'json',
          description:
            'JSON (Dropbox metadata) or CSV (type, name, path, size, client_modified, server_modified, content_hash, id, rev).',
        },
      },
      ['file'],
    ),
    link: link('the matching files'),
  },
  ['path'],
);

export const downloadSchema = obj(
  'Download',
  'Downloads Dropbox files to a local folder.',
  {
    from: {
      title: 'From Dropbox folder',
      type: 'string',
      'x-remotePath': true,
      pattern: '^(/.*|previous)$',
      errorMessage: "must be a Dropbox folder starting with '/', or 'previous' for the files the previous task listed",
      description:
        "Dropbox folder to download from, or 'previous' to take the files the previous task (e.g. list) handed on. Placeholders allowed.",
    },
    to: {
      title: 'To local folder',
      type: 'string',
      minLength: 1,
      description:
        "Local target folder (created when missing); relative to config.yaml's folder; placeholders allowed.",
    },
    dateField: dateField('modified'),
    ...filterProps('files'),
    overwrite,
    keepModified: {
      title: 'Keep modification times',
      type: 'boolean',
      default: true,
      description: "Set each local file's modification time to Dropbox's client_modified.",
    },
    deleteSource: {
      title: 'Delete the source after a verified transfer',
      type: 'boolean',
      default: false,
      description:
        'Delete each Dropbox file after its download was verified (size and content hash). Goes to the Dropbox trash, so it can be restored.',
    },
    export: {
      title: 'Export non-downloadable files as',
      enum: ['markdown', 'html', 'skip'],
      default: 'markdown',
      description:
        "Files Dropbox cannot hand over as stored bytes (Paper docs) are exported in this format, the local name taking its extension (.md, .html); 'skip' leaves them out with a warning.",
    },
  },
  ['from', 'to'],
);

export const createFolderSchema = obj(
  'Create folder',
  'Creates a Dropbox folder (and its parents).',
  {
    path: remotePath('Dropbox folder', 'Folder to create.'),
    existsOk: {
      title: 'An existing folder is fine',
      type: 'boolean',
      default: true,
      description: 'An existing folder counts as success (set false to fail instead).',
    },
  },
  ['path'],
);

export const deleteSchema = obj(
  'Delete',
  'Deletes Dropbox files and folders (to the Dropbox trash), by mask and retention rules.',
  {
    path: {
      title: 'Dropbox folder',
      type: 'string',
      'x-remotePath': true,
      pattern: '^(/.*|previous)$',
      errorMessage: "must be a Dropbox folder starting with '/', or 'previous' for what the previous task listed",
      description:
        "Dropbox folder whose contents are candidates, or 'previous' for the entries the previous task handed on. The folder itself is never deleted, and the connection root ('/') is refused. Placeholders allowed.",
    },
    type: {
      title: 'Entries',
      enum: ['files', 'folders', 'all'],
      default: 'all',
      description: 'Which entries are candidates.',
    },
    dateField: dateField('uploaded'),
    ...filterProps('entries'),
    keepLast: {
      title: 'Always keep the newest',
      type: 'integer',
      minimum: 0,
      description: 'Always keep this many of the newest matches, whatever their age.',
    },
    maxDelete,
  },
  ['path'],
);

/** Copy and move cross Business namespaces: a folder may be named by its namespace id. */
const NAMESPACED =
  "A folder in another Business namespace (a team folder, a member folder) may be given as 'ns:<namespace id>' or 'ns:<namespace id>/path'; it must lie under the connection's root (for team folders: business.pathRoot: team, where they are also plain top-level folders).";

const relocateSchema = (op: 'copy' | 'move', title: string, what: string): Schema =>
  obj(
    title,
    `${what}, server-side (no byte passes through dropcron).`,
    {
      from: {
        title: 'From Dropbox folder',
        type: 'string',
        'x-remotePath': true,
        pattern: '^(/.*|ns:[0-9]+(/.*)?|previous)$',
        errorMessage: `must be a Dropbox folder starting with '/' or 'ns:<namespace id>', or 'previous' for the files the previous task listed`,
        description: `Dropbox folder to ${op} files from, or 'previous' to take the files the previous task (e.g. list) handed on. ${NAMESPACED} Placeholders allowed.`,
      },
      to: {
        ...remotePath(
          'To Dropbox folder',
          `Dropbox folder to ${op} into (created when missing); sub folders below \`from\` are kept. ${NAMESPACED}`,
        ),
        pattern: '^(/|ns:[0-9]+(/|$))',
        errorMessage:
          "must be a Dropbox path starting with '/' ('/' is the root of the connection) or 'ns:<namespace id>'",
      },
      dateField: dateField('modified'),
      ...filterProps('files'),
      overwrite: {
        ...overwrite,
        description: `${overwrite.description as string} Compared by Dropbox's content_hash on both sides. Dropbox cannot ${op} over a file: a replaced target is deleted first (to the trash).`,
      },
      autorename: {
        title: 'Keep both (autorename)',
        type: 'boolean',
        default: false,
        description:
          "Where the overwrite policy would replace a target, keep it and let Dropbox give the new file a free name ('a (1).txt') instead.",
      },
    },
    ['from', 'to'],
  );

export const copySchema = relocateSchema('copy', 'Copy', 'Copies Dropbox files to another Dropbox folder');
export const moveSchema = relocateSchema('move', 'Move', 'Moves Dropbox files to another Dropbox folder');

// sync mirrors every matching file: sort and limit would make "the mirror" an arbitrary subset.
const { sort: _sort, limit: _limit, ...syncFilters } = filterProps('files');

export const syncSchema = obj(
  'Sync',
  "Mirrors a folder one way, local to Dropbox ('up') or Dropbox to local ('down'): sends only files whose size or content hash differ (never decided by modification time), and removes or moves aside files the source no longer has only when asked.",
  {
    direction: {
      title: 'Direction',
      enum: ['up', 'down'],
      'x-enumTitles': { up: 'Up: local folder to Dropbox', down: 'Down: Dropbox to local folder' },
      description: "'up': the local folder is the source, the Dropbox folder the mirror; 'down': the other way.",
    },
    local: {
      title: 'Local folder',
      type: 'string',
      minLength: 1,
      description:
        "Local folder (created when missing on 'down'); relative to config.yaml's folder; placeholders allowed.",
    },
    remote: remotePath('Dropbox folder', "Dropbox folder ('/' for the root)."),
    ...syncFilters,
    deleteExtraneous: {
      title: 'Remove extraneous files',
      type: 'boolean',
      default: false,
      description:
        "Remove files at the target that the source does not have (among the files the filters match; others are never touched), after all transfers succeeded. Folders this leaves empty (every entry in them was extraneous) are removed too, as rclone's sync does; maxDelete and maxDeleteShare count the files only. Off: they are left alone and listed. On a Dropbox target they go to the Dropbox trash.",
    },
    backupDir: {
      title: 'Move removed files to',
      type: 'string',
      minLength: 1,
      description:
        "With deleteExtraneous: move extraneous files here instead of deleting them, keeping their path below the target (like rclone's --backup-dir). A Dropbox folder ('/...') for 'up', a local folder for 'down'; not inside the target. Placeholders allowed, e.g. /old/{date}.",
    },
    maxDelete,
    maxDeleteShare: {
      title: 'Remove at most (% of target)',
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 50,
      description:
        "Safety guard: a run that would remove (delete or move aside) more than this percentage of the target's matching files removes nothing and fails, so an empty or wrong source never wipes the mirror.",
    },
  },
  ['direction', 'local', 'remote'],
);

export const taskSchemas: Record<string, Schema> = {
  upload: uploadSchema,
  list: listSchema,
  download: downloadSchema,
  'create-folder': createFolderSchema,
  delete: deleteSchema,
  copy: copySchema,
  move: moveSchema,
  sync: syncSchema,
};
