import type { PresetSettings } from "./results";

/**
 * quick: a few minutes for all scenarios on a 2-core machine; good for "does it work, roughly how fast".
 * full: longer runs, a finer sweep and four open-loop rates; use it for numbers you publish.
 */
export const PRESETS: Record<"quick" | "full", PresetSettings> = {
  // Runs stay several times longer than the slowest request at the top concurrency (a batch of 16 full-size
  // DistilBERT sequences takes a few hundred ms on 2 cores), so a run is not just its own ramp-up.
  quick: { warmupS: 3, durationS: 4, repetitions: 2, concurrency: [1, 4, 16], openLoopFractions: [0.6] },
  full: {
    warmupS: 10,
    durationS: 15,
    repetitions: 3,
    concurrency: [1, 2, 4, 8, 16, 32, 64],
    openLoopFractions: [0.25, 0.5, 0.75, 0.9],
  },
};

export type PresetName = keyof typeof PRESETS;
