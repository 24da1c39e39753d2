/**
 * In-cluster metrics and the autoscalers that read them: kube-prometheus-stack, KEDA, Triton's replica range
 * and queue-time target, the gateway's in-flight target. Read by components/config.ts like every section.
 */
import { byEnv, type ConfigReader, type SectionContext } from "./reader";
import { CHART_VERSION } from "./rules";
import type { GpuNodePoolConfig } from "./types";

export interface AutoscalingConfig {
  /** Pinned kube-prometheus-stack chart (Prometheus Operator, Prometheus, Grafana). */
  prometheusChartVersion: string;
  /** Pinned prometheus-adapter chart (custom metrics API for the gateway HPA). */
  prometheusAdapterChartVersion: string;
  /** Days Prometheus keeps samples (scaling needs minutes; the rest is for dashboards). */
  prometheusRetentionDays: number;
  /** Pinned KEDA chart. */
  kedaChartVersion: string;
  triton: {
    /**
     * 0 only in dev: Triton (and then its GPU nodes) scale to zero when no request has come for the idle
     * period, and the gateway's request rate wakes it (components/autoscaling.ts).
     */
    minReplicas: number;
    maxReplicas: number;
    /** Average time a request waits in Triton's queue that the scaler holds replicas to, in milliseconds. */
    queueTargetMs: number;
    /** Scale-out adds at most one replica per warm-up period: a starting Triton has no effect on queue time yet. */
    warmupSeconds: number;
    /** A lower replica count must be recommended this long before Triton scales in. */
    scaleInStabilizationSeconds: number;
    /** Dev with minReplicas 0, opt-in: a KEDA cron window that keeps one replica warm (cron, timezone). */
    workingHours: { timezone: string; start: string; end: string } | undefined;
  };
  gateway: {
    /** Average CPU utilisation per pod, percent. */
    targetCpuUtilization: number;
    /** Average requests in flight to the backend per gateway pod. */
    targetInflightRequests: number;
  };
}

const CRON = /^(\S+\s+){4}\S+$/;
const START = ["tritonWorkingHoursStart", "0 7 * * 1-5"] as const;
const END = ["tritonWorkingHoursEnd", "0 19 * * 1-5"] as const;

export function readAutoscaling(
  c: ConfigReader,
  ctx: SectionContext,
  gpuNodes: GpuNodePoolConfig,
): AutoscalingConfig {
  const chart = (key: string, fallback: string) => {
    const value = c.string(key, fallback);
    if (!CHART_VERSION.test(value))
      c.problem(key, `must be a pinned chart version X.Y.Z, got "${value}"`, fallback);
    return value;
  };
  const gpuCapacity = gpuNodes.maxCount * gpuNodes.gpusPerNode;
  // A dev stack without an always-on GPU node (gpuNodeCount 0) is meant to idle at zero.
  const minReplicas = c.integer(
    "tritonMinReplicas",
    byEnv(ctx, gpuNodes.desiredCount === 0 ? 0 : 1, 2),
    0,
    64,
  );
  if (ctx.prod && minReplicas < 2)
    c.problem("tritonMinReplicas", `must be >= 2 in prod, got ${minReplicas}`, "2");
  const maxReplicas = c.integer("tritonMaxReplicas", gpuCapacity, 1, 64);
  if (maxReplicas < Math.max(minReplicas, 1)) {
    c.problem(
      "tritonMaxReplicas",
      `must be >= tritonMinReplicas (${minReplicas}) and >= 1, got ${maxReplicas}`,
      String(Math.max(minReplicas, 1)),
    );
  } else if (maxReplicas > gpuCapacity) {
    c.problem(
      "tritonMaxReplicas",
      `must be <= the GPUs the pool can grow to (${gpuCapacity} = gpuNodeMaxCount x GPUs per ${gpuNodes.instanceType}), got ${maxReplicas}`,
      String(gpuCapacity),
    );
  }
  return {
    prometheusChartVersion: chart("prometheusChartVersion", "79.5.0"),
    prometheusAdapterChartVersion: chart("prometheusAdapterChartVersion", "4.11.0"),
    prometheusRetentionDays: c.integer("prometheusRetentionDays", byEnv(ctx, 7, 30), 1, 90),
    kedaChartVersion: chart("kedaChartVersion", "2.17.2"),
    triton: {
      minReplicas,
      maxReplicas,
      queueTargetMs: c.integer("tritonQueueTargetMs", 50, 1, 10_000),
      warmupSeconds: c.integer("tritonWarmupSeconds", 180, 30, 1800),
      scaleInStabilizationSeconds: c.integer("tritonScaleInStabilizationSeconds", 600, 60, 3600),
      workingHours: readWorkingHours(c, minReplicas),
    },
    gateway: {
      targetCpuUtilization: c.integer("gatewayTargetCpuUtilization", 70, 10, 95),
      targetInflightRequests: c.integer("gatewayTargetInflightRequests", 32, 1, 10_000),
    },
  };
}

/**
 * The optional warm window of a Triton that scales to zero: without it the first request after idle waits
 * for a cold start (docs/operations.md), with it one replica (and its GPU) is paid for during the window.
 */
function readWorkingHours(c: ConfigReader, minReplicas: number): AutoscalingConfig["triton"]["workingHours"] {
  const start = c.string("tritonWorkingHoursStart", undefined);
  const end = c.string("tritonWorkingHoursEnd", undefined);
  if (start === undefined && end === undefined) return undefined;
  if (start === undefined || end === undefined) {
    const [key, example] = start === undefined ? START : END;
    c.problem(key, "must be set with its partner (a warm window needs a start and an end)", example);
    return undefined;
  }
  let valid = true;
  for (const [[key, example], value] of [
    [START, start],
    [END, end],
  ] as const) {
    if (!CRON.test(value)) {
      c.problem(key, `must be a 5-field cron expression, got "${value}"`, example);
      valid = false;
    }
  }
  if (minReplicas > 0) {
    c.problem(
      "tritonMinReplicas",
      `must be 0 when tritonWorkingHoursStart/End are set (a warm window only matters to a Triton that idles at zero), got ${minReplicas}`,
      "0",
    );
    valid = false;
  }
  const timezone = c.string("tritonWorkingHoursTimezone", "UTC");
  return valid ? { timezone, start, end } : undefined;
}
