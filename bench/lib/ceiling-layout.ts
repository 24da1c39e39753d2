/**
 * How the ceiling spreads ONNX Runtime over the cores, and what a round of its sessions is worth per run. Kept
 * apart from the measurement so reports can name a layout without loading ONNX Runtime.
 */
import { defaultSessions, intraOpThreadsPerSession } from "../../gateway/src/inference/ort-session-pool";

/** How ONNX Runtime is spread over the cores: `sessions` sessions, each on its own worker thread when several. */
export interface CeilingLayout {
  sessions: number;
  /** Intra-op threads of each session; 0: ONNX Runtime's own default, which one session gets by default. */
  intraOpThreadsPerSession: number;
}

/**
 * The embedded backend's default layout on `cores` cores (ORT_SESSIONS and ORT_INTRA_OP_THREADS unset), or the
 * one given: one session per core up to MAX_DEFAULT_SESSIONS, the cores shared out among them.
 */
export function ceilingLayout(
  cores: number,
  given: { sessions?: number; intraOpThreads?: number } = {},
): CeilingLayout {
  const sessions = given.sessions ?? defaultSessions(cores);
  if (!Number.isInteger(sessions) || sessions < 1) {
    throw new Error(`the ceiling needs a positive whole number of sessions, got ${sessions}`);
  }
  return {
    sessions,
    intraOpThreadsPerSession: intraOpThreadsPerSession(given.intraOpThreads ?? 0, sessions, cores),
  };
}

/** The layout in words, for progress lines and reports. */
export function layoutLabel(layout: CeilingLayout): string {
  const sessions = `${layout.sessions} session${layout.sessions === 1 ? "" : "s"}`;
  const t = layout.intraOpThreadsPerSession;
  return `${sessions} × ${t === 0 ? "ONNX Runtime's default threads" : `${t} intra-op thread${t === 1 ? "" : "s"}`}`;
}

/**
 * The effective time per run (in the round's unit) when each of `sessions` sessions completed one run in a round
 * lasting `roundTime`. The sessions run at the same time, so a round completes `sessions` runs (sessions × batch
 * sequences): for the machine's rate that is one run every round ÷ sessions, and ceilingPoint's time(b, L) / b
 * becomes round / (sessions · b). A round ends with its slowest session, so one that finishes early idles until
 * then where a loaded backend would start its next batch: if anything the ceiling errs low, by the spread of the
 * sessions' finishing times (and the microseconds it takes to post each run to its worker). With one session the
 * time per run is the round itself.
 */
export function timePerRun(roundTime: number, sessions: number): number {
  return roundTime / sessions;
}
