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

export function createLogger(level: string, destination?: DestinationStream): Logger {
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
