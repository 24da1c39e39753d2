import pino, { type DestinationStream, type Logger } from "pino";

/**
 * JSON logs. Call sites never pass request bodies, texts or tokens; the redact list is the second line of
 * defence for the day someone does.
 */
export const REDACT_PATHS = [
  "text",
  "texts",
  "body",
  "token",
  "access_token",
  "client_secret",
  "authorization",
  "password",
  "secret",
  "key",
  "*.text",
  "*.texts",
  "*.body",
  "*.token",
  "*.access_token",
  "*.client_secret",
  "*.authorization",
  "*.password",
  "*.secret",
  "*.key",
  "req.headers",
  "headers.authorization",
  "headers.cookie",
];

/**
 * Standard output, written asynchronously: the audit line of each request is a system call the event loop
 * would otherwise make itself (5-6% of the gateway's CPU samples under load in a V8 profile of the
 * gateway-overhead benchmark, BENCH_CPU_PROFILE_DIR).
 * Lines written under load share one write; pino flushes what is left when the process exits, so only a
 * process killed outright (SIGKILL, OOM) loses the lines of its last moment.
 */
function stdoutDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

export function createLogger(level: string, destination: DestinationStream = stdoutDestination()): Logger {
  return pino(
    {
      level,
      base: { service: "gateway" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
