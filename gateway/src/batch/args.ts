/** The batch command line, parsed and checked before anything is read; every mistake is one readable line. */
import path from "node:path";
import { parseArgs } from "node:util";
import { INPUT_FORMATS, type InputFormat } from "./input/index";
import { TASKS, type Task } from "./record";

/** Where the remote mode's client secret comes from unless --client-secret-env names another variable. */
export const DEFAULT_SECRET_ENV = "BATCH_CLIENT_SECRET";
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_MAX_ATTEMPTS = 6;
export const DEFAULT_PROGRESS_INTERVAL_S = 10;
export const TOKEN_PATH = "/oauth2/token";

export const USAGE = `usage: npm run batch -- --in <file or folder> --out <file.jsonl> [options]
  --format jsonl|csv|txt|fhir   input format (default: detected from the content; a folder is txt)
  --id-field NAME               JSON Lines field / CSV column holding the id (default: id)
  --text-field NAME             JSON Lines field / CSV column holding the text (default: text)
  --task deidentify|sentiment|both   what to produce (default: both)
  --errors FILE                 bad records, one JSON line each (default: <out>.errors.jsonl)
  --fhir-out FILE               FHIR input only: de-identified copies of the resources (NDJSON)
  --target URL                  send records to a deployed gateway instead of working locally
  --client-id ID                OAuth2 client for --target; its secret is read from $${DEFAULT_SECRET_ENV}
  --client-secret-env NAME      read the client secret from this environment variable instead
  --token-url URL               token endpoint (default: <target>${TOKEN_PATH})
  --concurrency N               worker calls in flight (default: ${DEFAULT_CONCURRENCY})
  --batch-size N                records per call (default: BATCH_MAX_SIZE locally, 16 remotely)
  --max-attempts N              tries per gateway call on 429/503/network errors (default: ${DEFAULT_MAX_ATTEMPTS})
  --max-text-chars N            longer texts are bad records (default: MAX_TEXT_CHARS, 8192)
  --progress-interval SECONDS   seconds between progress lines when stderr is not a terminal (default: ${DEFAULT_PROGRESS_INTERVAL_S})`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface Remote {
  target: URL;
  tokenUrl: URL;
  clientId: string;
  clientSecret: string;
}

export interface BatchArgs {
  in: string;
  out: string;
  errors: string;
  fhirOut?: string;
  format?: InputFormat;
  fields: { id: string; text: string };
  task: Task;
  remote?: Remote;
  concurrency: number;
  batchSize?: number;
  maxAttempts: number;
  maxTextChars?: number;
  progressIntervalMs: number;
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${flag} must be an integer ${min}-${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** https anywhere; plain http only to this machine, since the client secret and tokens travel on it. */
function gatewayUrl(flag: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${flag} must be an absolute URL, got ${JSON.stringify(value)}`);
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new UsageError(
      `--${flag} must be https:// (plain http is allowed only to localhost), got ${JSON.stringify(value)}`,
    );
  }
  return url;
}

export function defaultErrorsPath(out: string): string {
  const ext = path.extname(out);
  return `${[".jsonl", ".ndjson", ".json"].includes(ext) ? out.slice(0, -ext.length) : out}.errors.jsonl`;
}

/** Parses argv (without node and script); `env` supplies the client secret. Returns undefined for --help. */
export function parseBatchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BatchArgs | undefined {
  const string = { type: "string" } as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        in: string,
        out: string,
        errors: string,
        "fhir-out": string,
        format: string,
        "id-field": string,
        "text-field": string,
        task: string,
        target: string,
        "client-id": string,
        "client-secret-env": string,
        "token-url": string,
        concurrency: string,
        "batch-size": string,
        "max-attempts": string,
        "max-text-chars": string,
        "progress-interval": string,
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    // parseArgs names the flag in its message; the first sentence is enough.
    throw new UsageError(`${(err as Error).message.split(". ")[0]}; see --help`);
  }
  if (values.help) return undefined;
  const get = (flag: string) => {
    const v = values[flag];
    return typeof v === "string" ? v : undefined;
  };
  // npm runs workspace scripts in gateway/; paths on the command line mean the directory npm was run from.
  const base = env.INIT_CWD ?? process.cwd();
  const file = (flag: string) => {
    const value = get(flag);
    return value === undefined ? undefined : path.resolve(base, value);
  };
  const input = file("in");
  const out = file("out");
  if (input === undefined) throw new UsageError("--in is required: the file or folder to read");
  if (out === undefined) throw new UsageError("--out is required: the JSON Lines file to write (or resume)");
  const errors = file("errors") ?? defaultErrorsPath(out);
  const fhirOut = file("fhir-out");
  const files = [input, out, errors, ...(fhirOut === undefined ? [] : [fhirOut])];
  if (new Set(files).size !== files.length) {
    throw new UsageError("--in, --out, --errors and --fhir-out must be four different paths");
  }
  const task = oneOf("task", get("task"), TASKS) ?? "both";
  if (fhirOut !== undefined && task === "sentiment") {
    throw new UsageError("--fhir-out needs de-identified text: use --task deidentify or --task both");
  }
  const format = oneOf("format", get("format"), INPUT_FORMATS);
  if (fhirOut !== undefined && format !== undefined && format !== "fhir") {
    throw new UsageError(`--fhir-out needs FHIR input, but --format is ${format}`);
  }
  const fields = { id: get("id-field") ?? "id", text: get("text-field") ?? "text" };
  for (const [flag, name] of [
    ["id-field", fields.id],
    ["text-field", fields.text],
  ] as const) {
    if (name.trim() === "") throw new UsageError(`--${flag} must not be empty`);
  }
  if (fields.id === fields.text)
    throw new UsageError("--id-field and --text-field must name different fields");

  return {
    in: input,
    out,
    errors,
    fhirOut,
    format,
    fields,
    task,
    remote: parseRemote(get, env),
    concurrency: integer("concurrency", get("concurrency"), 1, 256) ?? DEFAULT_CONCURRENCY,
    batchSize: integer("batch-size", get("batch-size"), 1, 1024),
    maxAttempts: integer("max-attempts", get("max-attempts"), 1, 100) ?? DEFAULT_MAX_ATTEMPTS,
    maxTextChars: integer("max-text-chars", get("max-text-chars"), 1, 1_000_000),
    progressIntervalMs:
      (integer("progress-interval", get("progress-interval"), 1, 3600) ?? DEFAULT_PROGRESS_INTERVAL_S) * 1000,
  };
}

function parseRemote(get: (flag: string) => string | undefined, env: NodeJS.ProcessEnv): Remote | undefined {
  const target = get("target");
  const clientId = get("client-id");
  for (const flag of ["client-id", "client-secret-env", "token-url"]) {
    if (target === undefined && get(flag) !== undefined)
      throw new UsageError(`--${flag} is only used with --target`);
  }
  if (target === undefined) return undefined;
  if (clientId === undefined || clientId.trim() === "") {
    throw new UsageError("--target needs --client-id (an OAuth2 client registered with the gateway)");
  }
  const secretEnv = get("client-secret-env") ?? DEFAULT_SECRET_ENV;
  const clientSecret = env[secretEnv];
  if (clientSecret === undefined || clientSecret.trim() === "") {
    throw new UsageError(`the client secret for ${clientId} is read from $${secretEnv}, which is not set`);
  }
  const base = gatewayUrl("target", target);
  return {
    target: base,
    tokenUrl: gatewayUrl("token-url", get("token-url") ?? new URL(TOKEN_PATH, base).toString()),
    clientId,
    clientSecret: clientSecret.trim(),
  };
}
