// Reads a /metrics answer the way Prometheus would: through a text-format parser, then
// by family name and labels.
import parse, { type Family, type Sample } from 'parse-prometheus-text-format';

export class Scrape {
  readonly families: Map<string, Family>;

  constructor(text: string) {
    this.families = new Map(parse(text).map((f) => [f.name, f]));
  }

  /** The sample of `name` whose labels include `labels`; undefined when there is none. */
  sample(name: string, labels: Record<string, string> = {}): Sample | undefined {
    const family = this.families.get(name);
    if (!family) throw new Error(`no metric family ${name} in the scrape`);
    return family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  }

  /** A counter's or gauge's value (0 when no sample has those labels yet). */
  value(name: string, labels: Record<string, string> = {}): number {
    return Number(this.sample(name, labels)?.value ?? 0);
  }

  /** A histogram's observation count. */
  count(name: string, labels: Record<string, string> = {}): number {
    return Number(this.sample(name, labels)?.count ?? 0);
  }
}
