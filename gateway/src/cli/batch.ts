/**
 * npm run batch -- --in <file or folder> --out <file.jsonl> [options]
 * De-identifies and/or classifies a file of clinical notes, locally or through a deployed gateway.
 * Exit status: 0 every record processed, 1 some records failed (reasons in the errors file),
 * 2 bad command line or unreadable input.
 */
import pino from "pino";
import { type BatchArgs, parseBatchArgs, USAGE, UsageError } from "../batch/args";
import { InputError, openInput } from "../batch/input/index";
import { createLocalWorker } from "../batch/local-worker";
import { createProgress, renderSummary, useTerminalProgress } from "../batch/progress";
import { needsSentiment, needsText, type Worker } from "../batch/record";
import { createRemoteWorker } from "../batch/remote-worker";
import { runBatch } from "../batch/run";
import { CredentialsError, TokenSource } from "../batch/token-source";
import { ConfigError, parseConfig, SCOPES } from "../config";
import { createLogger } from "../logger";

/** Records per gateway call when --batch-size is not given: half the gateway's default MAX_BATCH_TEXTS. */
const REMOTE_BATCH_SIZE = 16;

export const EXIT = { ok: 0, someFailed: 1, usage: 2 } as const;

async function createWorker(
  args: BatchArgs,
): Promise<{ worker: Worker; chunkSize: number; maxTextChars: number }> {
  // Logs go to stderr with the gateway's redaction; stdout stays free for nothing but the process's answer.
  const config = parseConfig({ LOG_LEVEL: "warn", ...process.env });
  const logger = createLogger(config.logLevel, pino.destination(2));
  const maxTextChars = args.maxTextChars ?? config.http.maxTextChars;
  if (args.remote === undefined) {
    const worker = await createLocalWorker({ config, task: args.task, logger });
    return { worker, chunkSize: args.batchSize ?? config.backend.batching.maxBatchSize, maxTextChars };
  }
  const { target, tokenUrl, clientId, clientSecret } = args.remote;
  const scopes = [
    ...(needsSentiment(args.task) ? [SCOPES.invoke] : []),
    ...(needsText(args.task) ? [SCOPES.deidentify] : []),
  ];
  const tokens = new TokenSource({
    tokenUrl: tokenUrl.toString(),
    clientId,
    clientSecret,
    scope: scopes.join(" "),
    maxAttempts: args.maxAttempts,
  });
  await tokens.token(); // wrong credentials stop the run before any record is read
  const worker = createRemoteWorker({
    target,
    task: args.task,
    tokens,
    concurrency: args.concurrency,
    maxAttempts: args.maxAttempts,
  });
  return { worker, chunkSize: args.batchSize ?? REMOTE_BATCH_SIZE, maxTextChars };
}

async function main(argv: string[]): Promise<number> {
  const args = parseBatchArgs(argv, process.env);
  if (args === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const input = openInput(args.in, args.format, args.fields);
  if (args.fhirOut !== undefined && input.format !== "fhir") {
    throw new UsageError(`--fhir-out needs FHIR input, but ${args.in} reads as ${input.format}`);
  }
  const { worker, chunkSize, maxTextChars } = await createWorker(args);
  const terminal = useTerminalProgress(process.stderr, process.env);
  process.stderr.write(`batch: ${input.format} input ${args.in}, task ${args.task}, ${worker.description}\n`);
  running = true;
  try {
    const result = await runBatch({
      input,
      worker,
      paths: { out: args.out, errors: args.errors, fhir: args.fhirOut },
      chunkSize,
      concurrency: args.concurrency,
      maxTextChars,
      progress: createProgress({ stream: process.stderr, terminal, intervalMs: args.progressIntervalMs }),
    });
    process.stderr.write(`${renderSummary(result)}\n`);
    if (result.failed > 0) {
      process.stderr.write(`batch: ${result.failed} records failed; reasons in ${args.errors}\n`);
      return EXIT.someFailed;
    }
    return EXIT.ok;
  } finally {
    await worker.close();
  }
}

/** Set once records are being read: from then on an unexpected error may come from inside a record. */
let running = false;

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return (
    typeof (err as NodeJS.ErrnoException).code === "string" &&
    typeof (err as NodeJS.ErrnoException).syscall === "string"
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const known = [UsageError, InputError, ConfigError, CredentialsError].some((type) => err instanceof type);
    // Before the run, errors are about flags, files, configuration or the model, and their messages help.
    // During it, an unexpected message could quote a record, so only its name and code are shown.
    const message =
      known || isSystemError(err) || !running
        ? (err as Error).message.split("\n")[0]
        : `unexpected ${(err as Error).name}${(err as NodeJS.ErrnoException).code ? ` (${(err as NodeJS.ErrnoException).code})` : ""}`;
    process.stderr.write(`batch: ${message}\n`);
    process.exitCode = running && !known ? EXIT.someFailed : EXIT.usage;
  },
);
