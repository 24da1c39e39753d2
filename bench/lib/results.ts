/** The shape of results.json: everything the Markdown table, the charts and docs/benchmarks.md are made from. */
import type { CeilingResult, CeilingSettings } from "./ceiling";
import type { LoadRunResult } from "./load/types";
import type { MachineInfo } from "./machine";
import type { Spread } from "./stats";
import type { SubjectDescription } from "./subject";
import type { TokenStats } from "./workload";

export const RESULTS_SCHEMA_VERSION = 1;

/** One measured run plus what the harness observed around it. */
export interface MeasuredRun extends LoadRunResult {
  repetition: number;
  /** Sequences per model execution during the run (batcher or Triton statistics); null when not observable. */
  meanBatchSize: number | null;
  /** Average CPU cores used by the server process tree during the run; null when remote. */
  serverCpuCores: number | null;
  /** Average CPU cores the load generator (this process) used during the run: it shares the machine. */
  loadGeneratorCpuCores: number;
  /** Model compute the successful requests of this run asked for, per second. */
  achievedGflops: number | null;
}

/** All repetitions at one load point (a concurrency or a rate), with medians and spreads. */
export interface LoadPoint {
  mode: "closed" | "open";
  concurrency: number | null;
  targetRate: number | null;
  runs: MeasuredRun[];
  throughput: Spread;
  p50: Spread;
  p95: Spread;
  p99: Spread;
  errorRate: Spread;
  meanBatchSize: Spread | null;
  serverCpuCores: Spread | null;
  loadGeneratorCpuCores: Spread;
  achievedGflops: Spread | null;
}

export interface SubjectResult extends SubjectDescription {
  /** Mean GFLOPs one request costs the model (from the padded lengths actually sent); null without a model. */
  gflopsPerRequest: number | null;
  /** Padded lengths the model sees for this subject's requests (de-identification can change them). */
  paddedLengths: Record<string, number> | null;
  closedLoop: LoadPoint[];
  openLoop: LoadPoint[];
  /** Highest median closed-loop throughput and the point it was reached at. */
  saturation: { throughput: number; concurrency: number; p50: number; p95: number; p99: number } | null;
  /** Set when the subject could not be measured; the run carries on with the other scenarios. */
  failure: string | null;
  /** GFLOP/s at saturation ÷ the ceiling of the precision it served; absent/null when not comparable. */
  ceilingShare?: number | null;
}

export interface GoalResult {
  goal: string;
  /** What was compared, with the numbers. */
  detail: string;
  ratio: number | null;
  required: number;
  met: boolean | null;
}

export interface BenchResults {
  schemaVersion: number;
  startedAt: string;
  finishedAt: string;
  command: string;
  preset: string;
  settings: PresetSettings;
  mode: "local" | "target";
  target: string | null;
  machine: MachineInfo;
  /** Load average when the run ended (machine.loadAverage is at the start). */
  loadAverageAtEnd: number[];
  model: {
    repository: string | null;
    name: string;
    version: string | null;
    synthetic: boolean | null;
    size: string | null;
    shape: Record<string, number> | null;
  };
  workload: TokenStats & { file: string };
  /** The load generator shares the machine with local servers; this records how. */
  notes: string[];
  subjects: SubjectResult[];
  /** ONNX Runtime alone on this machine, fp32 and int8, measured before the scenarios; empty without a model. */
  ceilings: CeilingResult[];
  goals: GoalResult[];
}

export interface PresetSettings {
  warmupS: number;
  durationS: number;
  repetitions: number;
  concurrency: number[];
  /** Open-loop rates as fractions of each subject's measured saturation throughput. */
  openLoopFractions: number[];
  ceiling: CeilingSettings;
}

export function toMeasured(run: LoadRunResult, extra: Omit<MeasuredRun, keyof LoadRunResult>): MeasuredRun {
  return { ...run, ...extra };
}
