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
