// The JSON Schemas of the five tasks, built from shared pieces so every task describes
// a filter the same way. `npm exec tsx plugins/dropbox/tasks/gen-schemas.ts` writes them
// to tasks/schemas/*.schema.json and the composed editor schema for job files; a test
// fails when those files are out of date.
import { SIZE_PATTERN } from './filters.ts';

type Schema = Record<string, unknown>;

const masks = (what: string): Schema => ({
  type: ['string', 'array'],
  items: { type: 'string', minLength: 1 },
  description: `${what} A list, or one string separated by ';'. Globs: '*' and '?' stay within a folder, '**' crosses folders; a mask without '/' is matched against the name, one with '/' against the path below the task's folder.`,
  examples: [['*.sql.gz', '*.tar'], '*.doc;*.txt'],
});

const size = (what: string): Schema => ({
  type: ['string', 'integer'],
  minimum: 0,
  pattern: SIZE_PATTERN,
  errorMessage:
    'must be a size like 500KB, 10MiB or 2GB (B, KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB powers of 1024)',
  description: `${what} Bytes, or a number with a unit: B, KB/MB/GB/TB (1000s), KiB/MiB/GiB/TiB (1024s).`,
  examples: ['10MB', '1GiB', 4096],
});

const when = (what: string): Schema => ({
  type: 'string',
  minLength: 1,
  description: `${what} A duration back from the run's start (30d, 12h, 90m, 2w) or an ISO date/date-time (2026-01-31, 2026-01-31T08:00) in the job's time zone.`,
  examples: ['30d', '2026-01-31'],
});

const remotePath = (what: string): Schema => ({
  type: 'string',
  pattern: '^/',
  errorMessage: "must be a Dropbox path starting with '/' ('/' is the root of the connection)",
  description: `${what} Placeholders {date} {time} {datetime} {yyyy} {MM} {dd} {HH} {mm} {ss} {job} are filled in the job's time zone.`,
});

const filterProps = (files: string): Record<string, Schema> => ({
  include: masks(`Only ${files} matching one of these masks (default: all).`),
  exclude: masks(`Leave out ${files} matching one of these masks.`),
  regex: {
    type: 'boolean',
    default: false,
    description:
      'The include/exclude masks are regular expressions (JavaScript syntax, matched against the name, or the relative path when the regex contains /).',
  },
  caseSensitive: {
    type: 'boolean',
    default: false,
    description: 'Match masks case-sensitively (default no: Dropbox names are case-insensitive).',
  },
  recursive: { type: 'boolean', default: false, description: 'Include sub folders.' },
  excludeFolders: masks(
    'Sub folders not to enter (with recursive: true); a folder mask also covers everything below it.',
  ),
  newerThan: when(`Only ${files} modified after this.`),
  olderThan: when(`Only ${files} modified before this.`),
  minSize: size(`Only files at least this large.`),
  maxSize: size(`Only files at most this large.`),
  sort: {
    type: 'object',
    additionalProperties: false,
    required: ['by'],
    description: 'Order of the matches (before limit).',
    properties: {
      by: { enum: ['name', 'size', 'modified'], description: 'Sort key.' },
      order: { enum: ['asc', 'desc'], default: 'asc', description: 'Ascending or descending.' },
    },
  },
  limit: {
    type: 'integer',
    minimum: 1,
    description: 'Take at most this many matches after sorting (by name when no sort is given).',
  },
});

const overwrite: Schema = {
  enum: ['always', 'if-newer', 'if-different', 'never'],
  default: 'if-different',
  description:
    "When the target exists: 'always' replaces it; 'if-newer' when the source's modified time is later; 'if-different' when size or content hash differ (unchanged files are not transferred); 'never' keeps it.",
};

const dateField = (dflt: string): Schema => ({
  enum: ['modified', 'uploaded'],
  default: dflt,
  description:
    "Which time date filters use: 'modified' is the file's own modification time (client_modified), 'uploaded' when it arrived in Dropbox (server_modified). A folder's time is that of the newest file inside it.",
});

const maxDelete: Schema = {
  type: 'integer',
  minimum: 1,
  default: 100,
  errorMessage: 'must be a whole number of at least 1 (there is no "unlimited": set it as high as you mean)',
  description:
    'Safety guard: a run that would delete more than this many entries deletes nothing and fails. There is no unlimited setting; raise it explicitly.',
};

const obj = (description: string, properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  additionalProperties: false,
  description,
  ...(required.length ? { required } : {}),
  properties,
});

export const uploadSchema = obj(
  'Uploads local files to a Dropbox folder.',
  {
    from: {
      type: ['string', 'array'],
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      minLength: 1,
      description:
        "Local source folder(s); relative paths are relative to config.yaml's folder. With several folders, each one's files go to a sub folder of `to` named after it.",
    },
    to: remotePath('Dropbox folder to upload into (created when missing).'),
    ...filterProps('files'),
    overwrite,
    keepModified: {
      type: 'boolean',
      default: true,
      description: "Send each file's modification time as Dropbox's client_modified.",
    },
    deleteSource: {
      type: 'boolean',
      default: false,
      description:
        'Delete each local file after its upload was verified (size and content hash). Files that were not transferred stay.',
    },
  },
  ['from', 'to'],
);

export const listSchema = obj(
  'Lists a Dropbox folder; the matches go to the next task and, optionally, to a JSON or CSV file.',
  {
    path: remotePath("Dropbox folder to list ('/' for the root)."),
    type: { enum: ['files', 'folders', 'all'], default: 'files', description: 'Which entries match.' },
    dateField: dateField('modified'),
    ...filterProps('entries'),
    output: obj(
      'Also write the matches to a local file (written atomically).',
      {
        file: {
          type: 'string',
          minLength: 1,
          description: "Local file; relative to config.yaml's folder; placeholders allowed.",
        },
        format: {
          enum: ['json', 'csv'],
          default: 'json',
          description:
            'JSON (Dropbox metadata) or CSV (type, name, path, size, client_modified, server_modified, content_hash, id, rev).',
        },
      },
      ['file'],
    ),
  },
  ['path'],
);

export const downloadSchema = obj(
  'Downloads Dropbox files to a local folder.',
  {
    from: {
      type: 'string',
      pattern: '^(/.*|previous)$',
      errorMessage: "must be a Dropbox folder starting with '/', or 'previous' for the files the previous task listed",
      description:
        "Dropbox folder to download from, or 'previous' to take the files the previous task (e.g. list) handed on. Placeholders allowed.",
    },
    to: {
      type: 'string',
      minLength: 1,
      description:
        "Local target folder (created when missing); relative to config.yaml's folder; placeholders allowed.",
    },
    dateField: dateField('modified'),
    ...filterProps('files'),
    overwrite,
    keepModified: {
      type: 'boolean',
      default: true,
      description: "Set each local file's modification time to Dropbox's client_modified.",
    },
    deleteSource: {
      type: 'boolean',
      default: false,
      description:
        'Delete each Dropbox file after its download was verified (size and content hash). Goes to the Dropbox trash, so it can be restored.',
    },
  },
  ['from', 'to'],
);

export const createFolderSchema = obj(
  'Creates a Dropbox folder (and its parents).',
  {
    path: remotePath('Folder to create.'),
    existsOk: {
      type: 'boolean',
      default: true,
      description: 'An existing folder counts as success (set false to fail instead).',
    },
  },
  ['path'],
);

export const deleteSchema = obj(
  'Deletes Dropbox files and folders (to the Dropbox trash), by mask and retention rules.',
  {
    path: {
      type: 'string',
      pattern: '^(/.*|previous)$',
      errorMessage: "must be a Dropbox folder starting with '/', or 'previous' for what the previous task listed",
      description:
        "Dropbox folder whose contents are candidates, or 'previous' for the entries the previous task handed on. The folder itself is never deleted, and the connection root ('/') is refused. Placeholders allowed.",
    },
    type: { enum: ['files', 'folders', 'all'], default: 'all', description: 'Which entries are candidates.' },
    dateField: dateField('uploaded'),
    ...filterProps('entries'),
    keepLast: {
      type: 'integer',
      minimum: 0,
      description: 'Always keep this many of the newest matches, whatever their age.',
    },
    maxDelete,
  },
  ['path'],
);

// sync mirrors every matching file: sort and limit would make "the mirror" an arbitrary subset.
const { sort: _sort, limit: _limit, ...syncFilters } = filterProps('files');

export const syncSchema = obj(
  "Mirrors a folder one way, local to Dropbox ('up') or Dropbox to local ('down'): sends only files whose size or content hash differ (never decided by modification time), and removes or moves aside files the source no longer has only when asked.",
  {
    direction: {
      enum: ['up', 'down'],
      description: "'up': the local folder is the source, the Dropbox folder the mirror; 'down': the other way.",
    },
    local: {
      type: 'string',
      minLength: 1,
      description:
        "Local folder (created when missing on 'down'); relative to config.yaml's folder; placeholders allowed.",
    },
    remote: remotePath("Dropbox folder ('/' for the root)."),
    ...syncFilters,
    deleteExtraneous: {
      type: 'boolean',
      default: false,
      description:
        'Remove files at the target that the source does not have (among the files the filters match; others are never touched), after all transfers succeeded. Off: they are left alone and listed. On a Dropbox target they go to the Dropbox trash.',
    },
    backupDir: {
      type: 'string',
      minLength: 1,
      description:
        "With deleteExtraneous: move extraneous files here instead of deleting them, keeping their path below the target (like rclone's --backup-dir). A Dropbox folder ('/...') for 'up', a local folder for 'down'; not inside the target. Placeholders allowed, e.g. /old/{date}.",
    },
    maxDelete,
    maxDeleteShare: {
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
  sync: syncSchema,
};
