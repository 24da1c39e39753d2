/**
 * The goals docs/benchmarks.md reports against. Each returns met: null (not evaluated) when a scenario it needs
 * was not run or failed, rather than guessing.
 */
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

export function evaluateGoals(subjects: readonly SubjectResult[]): GoalResult[] {
  const goals: GoalResult[] = [];

  {
    const goal = "embedded-batched ≥ 2× FastAPI peer throughput at equal or lower p95";
    const peer = find(subjects, "fastapi-peer");
    const batched = find(subjects, "embedded-batched");
    if (!peer?.saturation || !batched) {
      goals.push(
        notEvaluated(
          goal,
          2,
          [!peer ? "fastapi-peer" : "", !batched ? "embedded-batched" : ""].filter(Boolean),
        ),
      );
    } else {
      const limit = peer.saturation.p95;
      const point = throughputWithinP95(batched, limit);
      const ratio = point ? point.throughput.median / peer.saturation.throughput : 0;
      goals.push({
        goal,
        detail: point
          ? `peer saturates at ${fmt(peer.saturation.throughput, 1)} req/s with p95 ${fmt(limit, 1)} ms; ` +
            `embedded-batched reaches ${fmt(point.throughput.median, 1)} req/s at p95 ${fmt(point.p95.median, 1)} ms (${pointLabel(point)})`
          : `peer saturates at ${fmt(peer.saturation.throughput, 1)} req/s with p95 ${fmt(limit, 1)} ms; no embedded-batched point stays within that p95`,
        ratio,
        required: 2,
        met: ratio >= 2,
      });
    }
  }

  for (const family of ["embedded", "triton"] as const) {
    const goal = `${family}-batched ≥ 1.86× ${family}-unbatched throughput (the paper's 780/420)`;
    const unbatched = find(subjects, `${family}-unbatched`);
    const batched = find(subjects, `${family}-batched`);
    if (!unbatched?.saturation || !batched?.saturation) {
      goals.push(
        notEvaluated(
          goal,
          1.86,
          [!unbatched ? `${family}-unbatched` : "", !batched ? `${family}-batched` : ""].filter(Boolean),
        ),
      );
    } else {
      const ratio = batched.saturation.throughput / unbatched.saturation.throughput;
      goals.push({
        goal,
        detail:
          `saturation ${fmt(batched.saturation.throughput, 1)} vs ${fmt(unbatched.saturation.throughput, 1)} req/s ` +
          `(p95 ${fmt(batched.saturation.p95, 1)} vs ${fmt(unbatched.saturation.p95, 1)} ms)`,
        ratio,
        required: 1.86,
        met: ratio >= 1.86,
      });
    }
  }

  {
    const goal = "gateway pipeline ≥ 50% of bare Express echo throughput";
    const gateway = find(subjects, "gateway-overhead/gateway");
    const echo = find(subjects, "gateway-overhead/express-echo");
    if (!gateway?.saturation || !echo?.saturation) {
      goals.push(
        notEvaluated(
          goal,
          0.5,
          [!gateway ? "gateway-overhead/gateway" : "", !echo ? "gateway-overhead/express-echo" : ""].filter(
            Boolean,
          ),
        ),
      );
    } else {
      const ratio = gateway.saturation.throughput / echo.saturation.throughput;
      goals.push({
        goal,
        detail: `saturation ${fmt(gateway.saturation.throughput)} vs ${fmt(echo.saturation.throughput)} req/s`,
        ratio,
        required: 0.5,
        met: ratio >= 0.5,
      });
    }
  }
  return goals;
}
