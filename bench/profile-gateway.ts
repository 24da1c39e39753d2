/**
 * Microseconds per request for each stage of the gateway's pipeline, measured in-process with the gateway's own
 * modules on the benchmark workload (no HTTP): `npx tsx bench/profile-gateway.ts [--rounds N]`.
 *
 * Stages: JWT verification (a cache hit, as every request after a client's first is, and a cache miss with the
 * ES256 signature check), JSON body parsing, de-identification (the rules alone, and what the gateway serves by
 * default: the rules plus the learned detector), tokenization, the audit log line (pino, to
 * /dev/null) and the per-request metrics. Each stage runs over all workload texts `rounds` times; the first round
 * is a warm-up. The sum is the gateway's CPU per request outside Express and the network.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pino from "pino";
import { createTokenVerifier } from "../gateway/src/auth/verifier";
import { parseConfig } from "../gateway/src/config";
import { createDeidentifier } from "../gateway/src/deid";
import { loadServedDeidentifier } from "../gateway/src/deid-model/deidentifier";
import { loadVersionTokenizer } from "../gateway/src/inference/version-tokenizer";
import { readDeidKey } from "../gateway/src/local-dev";
import { createMetrics } from "../gateway/src/metrics";
import { createLocalIssuer } from "./lib/auth";
import { readWorkload } from "./lib/workload";

const ROOT = path.resolve(__dirname, "..");

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: "string" } } });
  const rounds = Number(values.rounds ?? "20");
  if (!Number.isInteger(rounds) || rounds < 2) throw new Error("--rounds must be an integer >= 2");
  const dir = mkdtempSync(path.join(os.tmpdir(), "profile-gateway-"));
  try {
    const issuer = await createLocalIssuer(dir);
    const keyFile = path.join(dir, "deid.key");
    writeFileSync(keyFile, randomBytes(32).toString("base64"));
    const env = { JWT_ISSUER: issuer.issuer, JWT_JWKS_FILE: issuer.jwksFile, DEID_KEY_FILE: keyFile };
    const config = parseConfig(env);
    const texts = readWorkload(path.join(ROOT, "bench", "workload", "clinical-sentences.jsonl")).map(
      (i) => i.text,
    );
    const bodies = texts.map((text) => JSON.stringify({ text }));
    const token = await issuer.mint();
    const cached = createTokenVerifier(config.auth);
    const uncached = createTokenVerifier({ ...config.auth, tokenCacheSize: 0 });
    const { keyFile: deidKeyFile, ...deidSettings } = config.deid;
    const { model: deidModel, ...ruleSettings } = deidSettings;
    const deid = createDeidentifier({ ...ruleSettings, key: readDeidKey(deidKeyFile) });
    // What the gateway serves by default (DEID_MODEL): the rules plus the learned detector.
    const served = await loadServedDeidentifier(
      { ...ruleSettings, key: readDeidKey(deidKeyFile) },
      deidModel,
    );
    const { tokenizer } = loadVersionTokenizer(config.backend, { requireModelFile: false });
    const logger = pino(
      { level: "info" },
      pino.destination({ dest: openSync("/dev/null", "w"), sync: true }),
    );
    const metrics = createMetrics({ defaultMetrics: false });
    const deidentified = texts.map((t) => deid.deidentify(t).text);

    const stages: Record<string, (i: number) => unknown> = {
      "auth: JWT verify, cache hit": () => cached.verify(token),
      "auth: JWT verify, cache miss (ES256 signature)": () => uncached.verify(token),
      "body: JSON.parse": (i) => JSON.parse(bodies[i] as string),
      "de-identification, rules (DEID_MODEL=off)": (i) => deid.deidentify(texts[i] as string),
      [`de-identification, ${served.detectors} (served default)`]: (i) =>
        served.deidentifyAsync(texts[i] as string),
      tokenization: (i) => tokenizer.encode(deidentified[i] as string),
      "audit log line (pino)": (i) =>
        logger.info(
          {
            audit: true,
            requestId: `r${i}`,
            route: "/v1/sentiment",
            method: "POST",
            status: 200,
            ms: 1.2,
            phi: { NAME: 1 },
          },
          "request",
        ),
      "metrics (counter + 2 histograms)": () => {
        const labels = { route: "/v1/sentiment", method: "POST", status: "200" };
        metrics.requests.inc(labels);
        metrics.requestDuration.observe(labels, 0.004);
        metrics.backendDuration.observe({ backend: "embedded", outcome: "ok" }, 0.003);
      },
    };
    const rows: string[] = ["| stage | µs per request |", "|---|---:|"];
    let total = 0;
    for (const [name, fn] of Object.entries(stages)) {
      let elapsed = 0;
      for (let r = 0; r < rounds; r++) {
        const start = performance.now();
        for (let i = 0; i < texts.length; i++) await fn(i);
        if (r > 0) elapsed += performance.now() - start;
      }
      const us = (elapsed * 1000) / ((rounds - 1) * texts.length);
      // The sum counts the served de-identifier, not the rules-only row beside it, and a cache-hit verification.
      if (!name.includes("cache miss") && !name.includes("DEID_MODEL=off")) total += us;
      rows.push(`| ${name} | ${us.toFixed(1)} |`);
    }
    rows.push(`| **sum (cache-hit auth)** | **${total.toFixed(1)}** |`);
    console.log(
      `${texts.length} workload texts, ${rounds - 1} measured rounds, load average ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(" ")}`,
    );
    console.log(rows.join("\n"));
    await served.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`profile-gateway: ${(err as Error).message}\n`);
  process.exit(1);
});
