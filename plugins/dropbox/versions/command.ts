// `dropcron versions <connection> <path>` lists the versions Dropbox keeps of a file;
// `dropcron restore <connection> <path> --rev R` writes one back as the newest version.
// Both say what they found or did, so a roll-back leaves a record in the terminal.
import type { CliCommand, CliContext, ConnectionDefinition, Services } from '../../../src/plugin.ts';
import { formatBytes, parseArgs, UsageError, withConnection } from '../../../src/plugin.ts';
import type { DropboxClient, FileMetadata } from '../api/types.ts';

/** Opens the connection's client; imported on use so `dropcron --help` stays light. */
async function open(def: ConnectionDefinition, services: Services): Promise<DropboxClient> {
  if (def.type !== 'dropbox') throw new Error(`connection '${def.name}' is of type '${def.type}', not dropbox`);
  const { openConnection } = await import('../auth/connection-ops.ts');
  return openConnection(def, services);
}

/** `<connection> <path>` and the rest of the flags; withConnection takes the name alone. */
function target(positionals: string[], usage: string): { conn: string[]; path: string } {
  if (positionals.length < 2) throw new UsageError(`name the connection and the file: ${usage}`);
  if (positionals.length > 2) throw new UsageError(`unexpected argument '${positionals[2]}'`);
  return { conn: [positionals[0]!], path: positionals[1]! };
}

const when = (ts: string) => ts.replace('T', ' ');

function versionLine(f: FileMetadata, current: boolean): string {
  const hash = f.content_hash ? f.content_hash.slice(0, 12) : '-';
  return `${current ? '*' : ' '} ${f.rev.padEnd(20)} ${when(f.server_modified).padEnd(21)} ${formatBytes(f.size).padStart(10)}  ${hash}`;
}

const VERSIONS_USAGE = 'dropcron versions <connection> <path> [--limit N] [--json]';

export const versionsCommand: CliCommand = {
  name: 'versions',
  summary: "list a Dropbox file's versions (newest first)",
  usage: `Usage: ${VERSIONS_USAGE} [--config FILE]

Lists the versions Dropbox keeps of <path> (its revision ids, when each was written,
size and content hash), newest first; * marks the current one. A deleted file's
versions are listed too, so one can be restored with \`dropcron restore\`.

  --limit N   at most N versions (1-100, default 100)
  --json      print Dropbox's answer as JSON instead of a table`,
  async run(argv, cli) {
    const { flags, positionals } = parseArgs(argv, [{ name: 'limit', value: true }, { name: 'json' }]);
    const { conn, path } = target(positionals, VERSIONS_USAGE);
    const limit = flags.limit === undefined ? 100 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw new UsageError('--limit must be a whole number from 1 to 100');
    return withConnection(conn, cli, VERSIONS_USAGE, async ({ def, services }) => {
      const r = await (await open(def, services)).listRevisions(path, { limit });
      if (flags.json) {
        cli.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return 0;
      }
      printVersions(cli, def.name, path, r);
      return 0;
    });
  },
};

function printVersions(
  cli: CliContext,
  conn: string,
  path: string,
  r: Awaited<ReturnType<DropboxClient['listRevisions']>>,
): void {
  const n = r.entries.length;
  const state = r.isDeleted ? `deleted${r.serverDeleted ? ` ${when(r.serverDeleted)}` : ''}` : 'current';
  cli.stdout.write(`${path} (${state}): ${n} version${n === 1 ? '' : 's'}, newest first\n`);
  if (n === 0) return;
  cli.stdout.write(`  ${'REV'.padEnd(20)} ${'WRITTEN (UTC)'.padEnd(21)} ${'SIZE'.padStart(10)}  CONTENT HASH\n`);
  r.entries.forEach((f, i) => cli.stdout.write(versionLine(f, i === 0 && !r.isDeleted) + '\n'));
  cli.stdout.write(`restore one with: dropcron restore ${conn} ${JSON.stringify(path)} --rev <REV>\n`);
}

const RESTORE_USAGE = 'dropcron restore <connection> <path> --rev R';

export const restoreCommand: CliCommand = {
  name: 'restore',
  summary: 'restore a version of a Dropbox file (see `dropcron versions`)',
  usage: `Usage: ${RESTORE_USAGE} [--config FILE]

Writes version R of <path> back as its newest version (the versions in between are
kept, so a restore can itself be undone). <path> may be a deleted file: it comes back.
R is a revision id from \`dropcron versions <connection> <path>\`.`,
  async run(argv, cli) {
    const { flags, positionals } = parseArgs(argv, [{ name: 'rev', value: true }]);
    const { conn, path } = target(positionals, RESTORE_USAGE);
    if (typeof flags.rev !== 'string' || !/^[0-9a-f]{9,}$/.test(flags.rev))
      throw new UsageError('--rev needs a revision id (9 or more hex digits) from `dropcron versions`');
    const rev = flags.rev;
    return withConnection(conn, cli, RESTORE_USAGE, async ({ def, services }) => {
      const md = await (await open(def, services)).restore(path, rev);
      cli.stdout.write(
        `restored ${md.path_display ?? path} to version ${rev}: it is now version ${md.rev} ` +
          `(${formatBytes(md.size)}, written ${when(md.server_modified)} UTC)\n`,
      );
      return 0;
    });
  },
};
