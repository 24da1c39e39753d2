/**
 * Progress on stderr: a bar redrawn in place on a terminal; plain periodic lines when stderr is not a terminal
 * or CI is set (CI logs keep every carriage return as a new line). Counts only, never record content.
 */

export interface ProgressState {
  /** Records written to the output in this run. */
  written: number;
  failed: number;
  /** Already in the output from an earlier run. */
  skipped: number;
  /** Records in the input, when known. */
  total?: number;
  elapsedMs: number;
}

export interface Progress {
  update(state: ProgressState): void;
  finish(state: ProgressState): void;
}

export function ratePerSecond(state: ProgressState): number {
  return state.elapsedMs > 0 ? ((state.written + state.failed) * 1000) / state.elapsedMs : 0;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function etaMs(state: ProgressState): number | undefined {
  const rate = ratePerSecond(state);
  if (state.total === undefined || rate === 0) return undefined;
  const left = Math.max(0, state.total - state.skipped - state.written - state.failed);
  return (left / rate) * 1000;
}

function counts(state: ProgressState): { done: number; of: string; percent: string } {
  const done = state.skipped + state.written + state.failed;
  if (state.total === undefined || state.total === 0) return { done, of: "", percent: "" };
  return { done, of: `/${state.total}`, percent: ` ${Math.floor((100 * done) / state.total)}%` };
}

/** One terminal line: bar, records, rate, ETA, errors. */
export function renderBar(state: ProgressState, width = 24): string {
  const { done, of, percent } = counts(state);
  const share = state.total ? Math.min(1, done / state.total) : 0;
  const filled = Math.round(share * width);
  const eta = etaMs(state);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}${of}${percent} | ${ratePerSecond(state).toFixed(1)} rec/s | ETA ${eta === undefined ? "?" : formatDuration(eta)} | ${state.failed} errors`;
}

/** One log line with the same facts as the bar. */
export function renderLine(state: ProgressState): string {
  const { done, of, percent } = counts(state);
  const eta = etaMs(state);
  return `batch: ${done}${of} records${percent ? ` (${percent.trim()})` : ""}, ${ratePerSecond(state).toFixed(1)} records/s, ETA ${eta === undefined ? "unknown" : formatDuration(eta)}, ${state.failed} failed`;
}

export function useTerminalProgress(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.CI === undefined || env.CI === "" || env.CI === "false");
}

/** Redraws at most this often; a terminal cannot show more and stderr writes are not free. */
const REDRAW_MS = 100;

export function createProgress(options: {
  stream: NodeJS.WritableStream;
  terminal: boolean;
  intervalMs: number;
}): Progress {
  const { stream, terminal, intervalMs } = options;
  let last = Number.NEGATIVE_INFINITY;
  let linePrintedAt = -1;
  const processed = (s: ProgressState) => s.written + s.failed;
  return {
    update(state) {
      const every = terminal ? REDRAW_MS : intervalMs;
      if (state.elapsedMs - last < every) return;
      last = state.elapsedMs;
      linePrintedAt = processed(state);
      stream.write(terminal ? `\r\x1b[2K${renderBar(state)}` : `${renderLine(state)}\n`);
    },
    finish(state) {
      if (terminal) stream.write(`\r\x1b[2K${renderBar(state)}\n`);
      // A log already holding a line for this count gains nothing from a second one.
      else if (linePrintedAt !== processed(state)) stream.write(`${renderLine(state)}\n`);
    },
  };
}

/** The final summary: records, failed, records/s, time. */
export function renderSummary(state: ProgressState): string {
  const read = state.written + state.failed + state.skipped;
  const skipped = state.skipped > 0 ? `, ${state.skipped} already done by an earlier run` : "";
  return `batch: ${read} records, ${state.written} written, ${state.failed} failed${skipped}; ${ratePerSecond(state).toFixed(1)} records/s in ${(state.elapsedMs / 1000).toFixed(1)} s`;
}
