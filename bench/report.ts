// Medians and Markdown tables for the benches' printed results.

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export const fmt = (n: number, d = 1) => n.toFixed(d);

export function table(title: string, head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  return [
    `### ${title}`,
    '',
    line(head),
    `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`,
    ...rows.map((r) => line(r.map(String))),
    '',
  ].join('\n');
}
