/**
 * Batch throughput: `npm run batch` in local mode against the sequential one-request-at-a-time client, on the
 * same synthetic notes and model, in one run so both see the same machine load.
 *   npx tsx bench/batch.ts [--records 10000] [--sequential-records N] [--model-repository DIR] [--precision fp32|int8]
 * Scenarios, one after another (never overlapping):
 *   sequential  POST /v1/sentiment for one note, wait for the answer, send the next (npm start's gateway)
 *   target      npm run batch -- --target (the same gateway; /v1/sentiment/batch, 4 calls in flight)
 *   local       npm run batch, local mode (embedded backend and its dynamic batcher, no HTTP)
 * Every scenario de-identifies and classifies each note (--task sentiment). Rates exclude process and model
 * start-up. Prints a Markdown table and the machine's load.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { generateCorpus } from "../test/fixtures/deid/generator";

const ROOT = path.resolve(__dirname, "..");
const { values } = parseArgs({
  options: {
    records: { type: "string", default: "10000" },
    "sequential-records": { type: "string" },
    "model-repository": { type: "string" },
    // MODEL_PRECISION for both the gateway and the local run, e.g. fp32 for a repository without int8 files.
    precision: { type: "string" },
  },
});
const RECORDS = Number(values.records);
const SEQUENTIAL = Number(values["sequential-records"] ?? RECORDS);
for (const [flag, n] of [
  ["records", RECORDS],
  ["sequential-records", SEQUENTIAL],
] as const) {
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench/batch: --${flag} must be a positive integer`);
    process.exit(2);
  }
}

const dir = mkdtempSync(path.join(tmpdir(), "bench-batch-"));
const env: Record<string, string> = {
  PATH: process.env.PATH ?? "",
  LOCAL_DEV_DIR: path.join(dir, "dev-keys"),
  // The benchmark measures throughput, not the per-client rate limit.
  RATE_LIMIT_RPS: "1000000",
  RATE_LIMIT_BURST: "1000000",
  LOG_LEVEL: "warn",
  ...(values["model-repository"] ? { MODEL_REPOSITORY: path.resolve(values["model-repository"]) } : {}),
  ...(values.precision ? { MODEL_PRECISION: values.precision } : {}),
};

function writeNotes(): { file: string; texts: string[] } {
  const texts = generateCorpus("tune", RECORDS).map((n) => n.text);
  const file = path.join(dir, "notes.jsonl");
  writeFileSync(file, texts.map((text, i) => `${JSON.stringify({ id: `n${i}`, text })}\n`).join(""));
  return { file, texts };
}

function runCli(
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ rate: number; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/batch.ts", ...args], {
    cwd: ROOT,
    env: { ...env, CI: "true", ...extraEnv },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  return new Promise((resolve, reject) => {
    child.once("close", (code) => {
      const rate = Number(/ ([\d.]+) records\/s in /.exec(stderr)?.[1]);
      if (code !== 0 || Number.isNaN(rate)) reject(new Error(`batch exited ${code}: ${stderr}`));
      else resolve({ rate, stderr });
    });
  });
}

async function startGateway(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { ...env, LOG_LEVEL: "info", HOST: "127.0.0.1", PORT: "0", METRICS_PORT: "0" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let port = 0;
    createInterface({ input: child.stdout }).on("line", (line) => {
      const record = JSON.parse(line) as { msg: string; port?: number };
      if (record.msg === "gateway listening") port = record.port as number;
      if (record.msg === "inference backend ready") resolve(`http://127.0.0.1:${port}`);
    });
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function sequential(url: string, texts: readonly string[], secret: string): Promise<number> {
  const form = new URLSearchParams({ grant_type: "client_credentials", scope: "inference:invoke" });
  const basic = Buffer.from(`local-dev:${secret}`).toString("base64");
  const tokenRes = await fetch(`${url}/oauth2/token`, {
    method: "POST",
    headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };
  const started = performance.now();
  for (const text of texts) {
    const res = await fetch(`${url}/v1/sentiment`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ text }),
    });
    if (res.status !== 200) throw new Error(`POST /v1/sentiment answered ${res.status}`);
    await res.arrayBuffer();
  }
  return (texts.length * 1000) / (performance.now() - started);
}

async function main(): Promise<void> {
  const load = [loadavg()[0] as number];
  const { file, texts } = writeNotes();
  const chars = texts.reduce((n, t) => n + t.length, 0) / texts.length;
  const gateway = await startGateway();
  const secret = readFileSync(path.join(env.LOCAL_DEV_DIR as string, "client-secret.txt"), "utf8").trim();
  const rates: Record<string, number> = {};
  try {
    rates.sequential = await sequential(gateway.url, texts.slice(0, SEQUENTIAL), secret);
    load.push(loadavg()[0] as number);
    const target = await runCli(
      [
        "--in",
        file,
        "--out",
        path.join(dir, "target.jsonl"),
        "--task",
        "sentiment",
        "--target",
        gateway.url,
        "--client-id",
        "local-dev",
      ],
      { BATCH_CLIENT_SECRET: secret },
    );
    rates.target = target.rate;
    load.push(loadavg()[0] as number);
  } finally {
    await gateway.stop();
  }
  const local = await runCli(["--in", file, "--out", path.join(dir, "local.jsonl"), "--task", "sentiment"]);
  rates.local = local.rate;
  load.push(loadavg()[0] as number);

  const model = /task sentiment, (local .*)\n/.exec(local.stderr)?.[1] ?? "unknown model";
  const base = rates.sequential as number;
  const repository = env.MODEL_REPOSITORY ?? "the default model repository";
  console.log(
    `${RECORDS} synthetic notes (mean ${chars.toFixed(0)} characters), ${model} from ${repository}`,
  );
  console.log(
    `${cpus().length} CPUs (${cpus()[0]?.model}); 1-minute load average before/between/after: ${load.map((l) => l.toFixed(1)).join(" / ")}`,
  );
  console.log("");
  console.log("| client | records | records/s | vs sequential |");
  console.log("|---|---|---|---|");
  console.log(`| sequential, one POST /v1/sentiment at a time | ${SEQUENTIAL} | ${base.toFixed(1)} | 1.00 |`);
  console.log(
    `| npm run batch --target (batch endpoint, 4 in flight) | ${RECORDS} | ${(rates.target as number).toFixed(1)} | ${((rates.target as number) / base).toFixed(2)} |`,
  );
  console.log(
    `| npm run batch, local (embedded batcher) | ${RECORDS} | ${(rates.local as number).toFixed(1)} | ${((rates.local as number) / base).toFixed(2)} |`,
  );
}

main().catch((err: Error) => {
  console.error(`bench/batch: ${err.message}`);
  process.exit(1);
});
