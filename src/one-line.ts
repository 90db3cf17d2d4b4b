/**
 * One line of text for the one-line answers dropcron gives: CLI errors, a run's error in
 * history, admin API errors, and a remote service's answer quoted inside a message.
 *
 * An Error gives the first line of its message (its name when that is empty): the lines
 * after it are detail, such as stack frames or a YAML snippet, never shown to a user.
 * Other text (a response body, an error_description) has no such convention: its line
 * breaks and runs of whitespace become one space, because the first line of a JSON or
 * HTML body is often just `{` or `<?xml ...>`.
 * `max` caps text that may be a whole page; the cut is marked '…'.
 */
export function oneLine(value: unknown, max = Infinity): string {
  const text = value instanceof Error ? (value.message.split('\n')[0] ?? '') : String(value);
  const line = text.replace(/\s+/g, ' ').trim();
  const capped = line.length > max ? `${line.slice(0, max)}…` : line;
  return capped || (value instanceof Error ? value.name : '');
}
