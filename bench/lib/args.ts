/** Command-line parsing for `npm run bench`, with one readable error line per mistake. */
import path from "node:path";
import { parseArgs } from "node:util";
import type { TargetCredentials } from "./auth";
import { PRESETS, type PresetName } from "./presets";
import type { PresetSettings } from "./results";
import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from "./scenarios";

export class UsageError extends Error {
  override name = "UsageError";
}

export const USAGE = `Usage: npm run bench -- [options]

  --preset brief|quick|full   quick (default): a few minutes on 2 cores; brief: one repetition, c=1 and 16,
                              for a busy machine; full: longer runs, finer sweep
  --scenarios a,b,...         default: all local scenarios, in this order:
                              ${SCENARIO_NAMES.join(", ")}
  --out DIR                   output folder (default .bench-results/<timestamp>)
  --model-repository DIR      Triton-layout model repository (default .local/models/base, generated if missing)
  --workload FILE             JSONL workload (default bench/workload/clinical-sentences.jsonl)
  --duration S                seconds per measured run (overrides the preset)
  --warmup S                  seconds of warm-up load before measuring each server (overrides the preset)
  --repetitions N             repetitions per load point (overrides the preset)
  --concurrency 1,8,32        closed-loop sweep (overrides the preset)
  --update-doc FILE           rewrite the generated results section of FILE (e.g. docs/benchmarks.md)
  --target URL                measure a deployed stack's ingress instead of local servers
  --token TOKEN               bearer token for --target (or env BENCH_TOKEN)
  --client-id ID              OAuth2 client credentials for --target: a token is fetched from <URL>/oauth2/token
  --client-secret SECRET      (or env BENCH_CLIENT_ID / BENCH_CLIENT_SECRET)
  --help
`;

export interface CliOptions {
  help: boolean;
  preset: PresetName;
  scenarios: ScenarioName[];
  outDir: string;
  modelRepository?: string;
  workloadFile?: string;
  settings: Partial<PresetSettings>;
  updateDoc?: string;
  target?: { url: string; credentials: TargetCredentials };
}

function positiveNumber(flag: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `${flag} must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env, now = new Date()): CliOptions {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: "boolean" },
        preset: { type: "string" },
        scenarios: { type: "string" },
        out: { type: "string" },
        "model-repository": { type: "string" },
        workload: { type: "string" },
        duration: { type: "string" },
        warmup: { type: "string" },
        repetitions: { type: "string" },
        concurrency: { type: "string" },
        target: { type: "string" },
        "update-doc": { type: "string" },
        token: { type: "string" },
        "client-id": { type: "string" },
        "client-secret": { type: "string" },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split("\n")[0]} (see --help)`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const str = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : undefined);

  const preset = str("preset") ?? "quick";
  if (!Object.hasOwn(PRESETS, preset)) {
    throw new UsageError(
      `--preset must be one of ${Object.keys(PRESETS).join(", ")}, got ${JSON.stringify(preset)}`,
    );
  }

  const settings: Partial<PresetSettings> = {};
  const duration = str("duration");
  if (duration !== undefined) settings.durationS = positiveNumber("--duration", duration, false);
  const warmup = str("warmup");
  if (warmup !== undefined) settings.warmupS = positiveNumber("--warmup", warmup, false);
  const reps = str("repetitions");
  if (reps !== undefined) settings.repetitions = positiveNumber("--repetitions", reps, true);
  const conc = str("concurrency");
  if (conc !== undefined) {
    settings.concurrency = conc.split(",").map((c) => positiveNumber("--concurrency", c.trim(), true));
  }

  let target: CliOptions["target"];
  const targetUrl = str("target");
  const token = str("token") ?? env.BENCH_TOKEN;
  const clientId = str("client-id") ?? env.BENCH_CLIENT_ID;
  const clientSecret = str("client-secret") ?? env.BENCH_CLIENT_SECRET;
  if (targetUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(targetUrl);
    } catch {
      throw new UsageError(
        `--target must be a URL such as https://inference.example.org, got ${JSON.stringify(targetUrl)}`,
      );
    }
    if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
      throw new UsageError(
        "--target must use https:// (plain http is accepted only for localhost): tokens travel with every request",
      );
    }
    if (token !== undefined && (clientId !== undefined || clientSecret !== undefined)) {
      throw new UsageError("give either --token or --client-id/--client-secret for --target, not both");
    }
    if (token !== undefined) target = { url: url.toString().replace(/\/$/, ""), credentials: { token } };
    else if (clientId !== undefined && clientSecret !== undefined) {
      target = { url: url.toString().replace(/\/$/, ""), credentials: { clientId, clientSecret } };
    } else {
      throw new UsageError("--target needs --token or both --client-id and --client-secret");
    }
  } else if (token !== undefined && str("token") !== undefined) {
    throw new UsageError("--token is only used with --target");
  } else if (str("client-id") !== undefined || str("client-secret") !== undefined) {
    throw new UsageError("--client-id/--client-secret are only used with --target");
  }

  let scenarios: ScenarioName[];
  const list = str("scenarios");
  if (list === undefined) {
    scenarios = target ? ["hybrid"] : [...SCENARIO_NAMES];
  } else {
    const names = list
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (names.length === 0) throw new UsageError("--scenarios needs at least one name");
    const unknown = names.find((n) => !isScenarioName(n));
    if (unknown !== undefined) {
      throw new UsageError(
        `unknown scenario ${JSON.stringify(unknown)}; known: ${SCENARIO_NAMES.join(", ")}`,
      );
    }
    scenarios = [...new Set(names)] as ScenarioName[];
  }
  if (target && scenarios.some((s) => s !== "hybrid")) {
    throw new UsageError(
      "with --target only the hybrid scenario runs (a deployed stack is the gateway → Triton path); drop --scenarios or use --scenarios hybrid",
    );
  }

  const stamp = now.toISOString().replace(/[:]/g, "-").replace(/\..*$/, "");
  return {
    help: v.help === true,
    preset: preset as PresetName,
    scenarios,
    outDir: path.resolve(str("out") ?? path.join(".bench-results", stamp)),
    modelRepository: str("model-repository"),
    workloadFile: str("workload"),
    updateDoc: str("update-doc") === undefined ? undefined : path.resolve(str("update-doc") as string),
    settings,
    target,
  };
}
