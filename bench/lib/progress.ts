/**
 * Progress on stderr. On a terminal, one status line rewritten in place plus a permanent line per finished step;
 * in CI or when piped, plain timestamped lines only (no control characters in logs).
 */

export interface Progress {
  /** A permanent line. */
  info(message: string): void;
  /** The transient "what is running now" line; a countdown is shown for timed steps. */
  status(message: string, seconds?: number): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  if (quiet) return { info() {}, status() {}, done() {} };
  const interactive = stream.isTTY === true && !process.env.CI;
  const started = Date.now();
  const stamp = () => {
    const s = Math.round((Date.now() - started) / 1000);
    return `[${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}]`;
  };
  if (!interactive) {
    return {
      info: (m) => stream.write(`${stamp()} ${m}\n`),
      status: (m, seconds) => stream.write(`${stamp()} ${m}${seconds ? ` (${seconds} s)` : ""}\n`),
      done() {},
    };
  }
  let timer: NodeJS.Timeout | undefined;
  let current = "";
  let until = 0;
  const draw = () => {
    const left = until > 0 ? Math.max(0, Math.ceil((until - Date.now()) / 1000)) : 0;
    const line = `${stamp()} ${current}${left > 0 ? ` … ${left} s` : ""}`;
    const width = (stream.columns ?? 100) - 1;
    stream.write(`\r\x1b[2K${line.slice(0, width)}`);
  };
  const clear = () => stream.write("\r\x1b[2K");
  return {
    info(m) {
      clear();
      stream.write(`${stamp()} ${m}\n`);
      if (current) draw();
    },
    status(m, seconds) {
      current = m;
      until = seconds ? Date.now() + seconds * 1000 : 0;
      draw();
      if (!timer) {
        timer = setInterval(draw, 500);
        timer.unref();
      }
    },
    done() {
      if (timer) clearInterval(timer);
      timer = undefined;
      current = "";
      clear();
    },
  };
}
