/**
 * De-identification throughput on synthetic clinical notes of typical length.
 *   npm run bench:deid -w gateway [-- --notes 2000]
 * Reports notes/s and µs per 100 word tokens (a token = a run of letters or digits) for the rules' detection
 * alone, for detection + rewriting with two operator sets, and for the served de-identifier (rules + learned
 * model, what the gateway runs: the speed budget of issue 12 is on that row), plus the machine it ran on.
 * Single-threaded, in-process; CPU counts every thread of this process, ONNX Runtime's included.
 */
import { cpus, loadavg, totalmem } from "node:os";
import type { DeidConfig } from "../src/contracts";
import { createDeidentifier, detect } from "../src/deid/index";
import { loadServedDeidentifier } from "../src/deid-model/deidentifier";
import { DEFAULT_DEID_MODEL_PATH } from "../src/deid-model/paths";
import { generateCorpus } from "../test/fixtures/deid/generator";
import { main as comparePeers } from "./deid-peers";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`bench:deid: --${name} must be a positive number`);
    process.exit(2);
  }
  return v;
};

const NOTES = arg("notes", 2000);
const WORD = /[\p{L}\p{N}]+/gu;
const countTokens = (t: string): number => t.match(WORD)?.length ?? 0;

const single = [...generateCorpus("tune", 250), ...generateCorpus("heldout", 250)].map((n) => n.text);
// Longer documents: three notes joined, closer to a full discharge summary.
const triple = single.slice(0, 300).reduce<string[]>((docs, t, i) => {
  if (i % 3 === 0) docs.push(t);
  else docs[docs.length - 1] += `\n\n${t}`;
  return docs;
}, []);

const key = new Uint8Array(32).fill(11);
/** Every identifier replaced by its type: the rules-only rows and the served row rewrite text the same way. */
const REPLACE_ALL: DeidConfig = {
  operators: {},
  defaultOperator: "replace",
  strict: false,
  key,
  maxShiftDays: 365,
};
const replace = createDeidentifier(REPLACE_ALL);
const mixed = createDeidentifier({
  operators: { DATE: "shift", NAME: "surrogate", SSN: "hash", MRN: "hash" },
  defaultOperator: "replace",
  strict: true,
  key,
  maxShiftDays: 365,
});

interface Row {
  workload: string;
  docs: string;
  avgTokens: number;
  notesPerSecond: number;
  usPer100Tokens: number;
  cpuUsPer100Tokens: number;
}

async function measure(
  workload: string,
  docsName: string,
  docs: string[],
  run: (t: string) => unknown,
): Promise<Row> {
  const tokens = docs.map(countTokens);
  for (let i = 0; i < 1000; i++) await run(docs[i % docs.length] as string); // warm-up: let the JIT optimise first
  let totalTokens = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < NOTES; i++) {
    const k = i % docs.length;
    await run(docs[k] as string);
    totalTokens += tokens[k] as number;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  // CPU time of this process: on a shared machine it excludes the time other processes held the core.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    workload,
    docs: docsName,
    avgTokens: Math.round(totalTokens / NOTES),
    notesPerSecond: Math.round(NOTES / seconds),
    usPer100Tokens: Number(((seconds * 1e6 * 100) / totalTokens).toFixed(1)),
    cpuUsPer100Tokens: Number(((cpuSeconds * 1e6 * 100) / totalTokens).toFixed(1)),
  };
}

async function main(): Promise<void> {
  const served = await loadServedDeidentifier(REPLACE_ALL, { kind: "file", path: DEFAULT_DEID_MODEL_PATH });
  const rows: Row[] = [
    await measure("rules: detect only", "single note", single, (t) => detect(t)),
    await measure("rules: deidentify, replace", "single note", single, (t) => replace.deidentify(t)),
    await measure("rules: deidentify, shift+surrogate+hash, strict", "single note", single, (t) =>
      mixed.deidentify(t),
    ),
    await measure("rules: deidentify, replace", "3 notes joined", triple, (t) => replace.deidentify(t)),
    await measure("served (rules + model): deidentify, replace", "single note", single, (t) =>
      served.deidentifyAsync(t),
    ),
  ];
  await served.close();

  const cpu = cpus()[0];
  console.log(`# De-identification benchmark (${new Date().toISOString()})\n`);
  console.log(
    `Machine: ${cpu?.model ?? "unknown CPU"}, ${cpus().length} logical CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ` +
      `Node ${process.version}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; ${NOTES} documents per row, single thread.\n`,
  );
  console.log(
    "| workload | documents | avg tokens | notes/s (wall) | µs per 100 tokens (wall) | µs per 100 tokens (CPU) |",
  );
  console.log("|---|---|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.workload} | ${r.docs} | ${r.avgTokens} | ${r.notesPerSecond} | ${r.usPer100Tokens} | ${r.cpuUsPer100Tokens} |`,
    );
  }
}

// Then the side-by-side comparison on the independent corpus: rules, learned model, Presidio, philter-lite,
// scrubadub (bench/deid-peers.ts; --splits, --peer-splits, --peers, --split-notes).
main()
  .then(() => comparePeers())
  .catch((err: unknown) => {
    console.error(`bench:deid: ${(err as Error).message}`);
    process.exit(1);
  });
