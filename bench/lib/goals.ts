/**
 * The goals docs/benchmarks.md reports against. Each returns met: null (not evaluated) when a scenario it needs
 * was not run or failed, rather than guessing.
 */
import type { CeilingResult } from "./ceiling";
import type { GoalResult, LoadPoint, SubjectResult } from "./results";

function find(subjects: readonly SubjectResult[], id: string): SubjectResult | undefined {
  const s = subjects.find((x) => x.id === id);
  return s && s.failure === null && s.saturation ? s : undefined;
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);

/**
 * Highest median throughput among the measured points (closed and open loop) whose median p95 is at or under
 * `p95LimitMs`: the throughput a subject sustains without being slower at the tail than the reference.
 */
export function throughputWithinP95(subject: SubjectResult, p95LimitMs: number): LoadPoint | undefined {
  let best: LoadPoint | undefined;
  for (const p of [...subject.closedLoop, ...subject.openLoop]) {
    if (p.p95.median <= p95LimitMs && p.errorRate.median < 0.01) {
      if (!best || p.throughput.median > best.throughput.median) best = p;
    }
  }
  return best;
}

function notEvaluated(goal: string, required: number, missing: string[]): GoalResult {
  return {
    goal,
    detail: `not evaluated: ${missing.join(", ")} not measured in this run`,
    ratio: null,
    required,
    met: null,
  };
}

function pointLabel(p: LoadPoint): string {
  return p.mode === "closed" ? `concurrency ${p.concurrency}` : `open loop ${p.targetRate} req/s`;
}

/** `subject` throughput within `reference`'s saturation p95, as a multiple of the reference's saturation. */
function atEqualP95(
  goal: string,
  required: number,
  subjects: readonly SubjectResult[],
  id: string,
  refId: string,
) {
  const reference = find(subjects, refId);
  const subject = find(subjects, id);
  if (!reference?.saturation || !subject) {
    return notEvaluated(goal, required, [!reference ? refId : "", !subject ? id : ""].filter(Boolean));
  }
  const limit = reference.saturation.p95;
  const point = throughputWithinP95(subject, limit);
  const ratio = point ? point.throughput.median / reference.saturation.throughput : 0;
  const base = `${refId} saturates at ${fmt(reference.saturation.throughput, 1)} req/s with p95 ${fmt(limit, 1)} ms; `;
  return {
    goal,
    detail: point
      ? `${base}${id} reaches ${fmt(point.throughput.median, 1)} req/s at p95 ${fmt(point.p95.median, 1)} ms (${pointLabel(point)})`
      : `${base}no ${id} point stays within that p95`,
    ratio,
    required,
    met: ratio >= required,
  };
}

/** Saturation throughput of `id` over `refId`'s. */
function saturationRatio(
  goal: string,
  required: number,
  subjects: readonly SubjectResult[],
  id: string,
  refId: string,
) {
  const reference = find(subjects, refId);
  const subject = find(subjects, id);
  if (!reference?.saturation || !subject?.saturation) {
    return notEvaluated(goal, required, [!subject ? id : "", !reference ? refId : ""].filter(Boolean));
  }
  const ratio = subject.saturation.throughput / reference.saturation.throughput;
  return {
    goal,
    detail:
      `saturation ${fmt(subject.saturation.throughput, 1)} vs ${fmt(reference.saturation.throughput, 1)} req/s ` +
      `(p95 ${fmt(subject.saturation.p95, 1)} vs ${fmt(reference.saturation.p95, 1)} ms)`,
    ratio,
    required,
    met: ratio >= required,
  };
}

/** The goals of issue 13 (docs/benchmarks.md), in the order the report lists them. */
export function evaluateGoals(
  subjects: readonly SubjectResult[],
  ceilings: readonly CeilingResult[] = [],
): GoalResult[] {
  const goals: GoalResult[] = [
    atEqualP95(
      "embedded-batched-int8 ≥ 3× fastapi-peer (fp32) throughput at equal or lower p95",
      3,
      subjects,
      "embedded-batched-int8",
      "fastapi-peer",
    ),
    atEqualP95(
      "embedded-batched-int8 ≥ 1.3× fastapi-peer-int8 throughput at equal or lower p95",
      1.3,
      subjects,
      "embedded-batched-int8",
      "fastapi-peer-int8",
    ),
  ];
  {
    const goal = "embedded-batched-int8 ≥ 80% of the int8 ceiling (GFLOP/s)";
    const subject = find(subjects, "embedded-batched-int8");
    const ceiling = ceilings.find((c) => c.precision === "int8");
    const share = subject?.ceilingShare ?? null;
    goals.push(
      !subject || !ceiling || share === null
        ? notEvaluated(
            goal,
            0.8,
            [
              !subject ? "embedded-batched-int8" : "",
              !ceiling || share === null ? "the int8 ceiling" : "",
            ].filter(Boolean),
          )
        : {
            goal,
            detail: `${fmt(share * ceiling.best.gflops, 1)} of ${fmt(ceiling.best.gflops, 1)} GFLOP/s (ceiling at batch ${ceiling.best.batchSize})`,
            ratio: share,
            required: 0.8,
            met: share >= 0.8,
          },
    );
  }
  goals.push(
    saturationRatio(
      "triton-batched ≥ triton-unbatched throughput",
      1,
      subjects,
      "triton-batched",
      "triton-unbatched",
    ),
  );
  for (const suffix of ["", "-int8"]) {
    const precision = suffix ? "int8" : "fp32";
    goals.push(
      saturationRatio(
        `embedded batched ≥ 1.3× unbatched throughput (${precision})`,
        1.3,
        subjects,
        `embedded-batched${suffix}`,
        `embedded-unbatched${suffix}`,
      ),
    );
  }
  goals.push(
    saturationRatio(
      "gateway pipeline ≥ 60% of bare Express echo throughput",
      0.6,
      subjects,
      "gateway-overhead/gateway",
      "gateway-overhead/express-echo",
    ),
  );
  return goals;
}
