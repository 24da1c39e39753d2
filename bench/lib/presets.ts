import type { PresetSettings } from "./results";

/**
 * quick: a few minutes for all scenarios on a 2-core machine; good for "does it work, roughly how fast".
 * brief: see below. full: longer runs, a finer sweep and four open-loop rates; use it for numbers you publish.
 */
export const PRESETS: Record<"brief" | "quick" | "full", PresetSettings> = {
  // brief: the ceiling and the int8 scenarios on a busy shared machine in a few minutes; one repetition, so
  // ratios carry the noise of single runs.
  brief: {
    warmupS: 2,
    durationS: 3,
    repetitions: 1,
    concurrency: [1, 16],
    openLoopFractions: [0.6],
    ceiling: { batchSizes: [1, 4, 16], runsPerShape: 1 },
  },
  // Runs stay several times longer than the slowest request at the top concurrency (a batch of 16 full-size
  // DistilBERT sequences takes a few hundred ms on 2 cores), so a run is not just its own ramp-up.
  quick: {
    warmupS: 3,
    durationS: 4,
    repetitions: 2,
    concurrency: [1, 4, 16],
    openLoopFractions: [0.6],
    ceiling: { batchSizes: [1, 4, 8, 16], runsPerShape: 3 },
  },
  full: {
    warmupS: 10,
    durationS: 15,
    repetitions: 3,
    concurrency: [1, 2, 4, 8, 16, 32, 64],
    openLoopFractions: [0.25, 0.5, 0.75, 0.9],
    ceiling: { batchSizes: [1, 2, 4, 8, 16], runsPerShape: 7 },
  },
};

export type PresetName = keyof typeof PRESETS;
