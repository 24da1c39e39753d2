/** Reads the cumulative _sum and _count of one Prometheus histogram, summed over all its label sets. */
export function histogramTotals(exposition: string, name: string): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const line of exposition.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    if (m[1] === `${name}_sum`) sum += value;
    else if (m[1] === `${name}_count`) count += value;
  }
  return { sum, count };
}

/** Sum of a counter or gauge over its label sets (optionally only lines containing `labelMatch`); null if absent. */
export function metricSum(exposition: string, name: string, labelMatch?: string): number | null {
  let total = 0;
  let seen = false;
  for (const line of exposition.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (labelMatch !== undefined && !(m[2] ?? "").includes(labelMatch)) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    total += value;
    seen = true;
  }
  return seen ? total : null;
}
