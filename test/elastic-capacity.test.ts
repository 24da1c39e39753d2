/**
 * Elastic capacity: the autoscaling and GPU-capacity config rules and Triton's KEDA ScaledObject
 * (schema-validated against KEDA's CRD models, PromQL parsed with Prometheus' grammar). Karpenter's objects:
 * test/karpenter.test.ts.
 */
import {
  type AutoscalingArgs,
  tritonQueueTimeQuery,
  tritonScaledObjectSpec,
} from "../components/autoscaling";
import { type AutoscalingConfig, readAutoscaling } from "../components/config/autoscaling";
import { readGpuCapacity } from "../components/config/gpu-capacity";
import { ConfigReader } from "../components/config/reader";
import { GPU, schemaErrors } from "./support/elastic-fixtures";
import { type ConfigValue, installPulumiMocks, PROJECT } from "./support/pulumi-mocks";

interface PromqlParser {
  parse(expr: string): { iterate(spec: { enter(node: { type: { isError: boolean } }): void }): void };
}
const { parser } = require("@prometheus-io/lezer-promql") as { parser: PromqlParser };
const promqlErrors = (expr: string) => {
  let errors = 0;
  parser.parse(expr).iterate({ enter: (node) => void (node.type.isError && errors++) });
  return errors;
};

async function read<T>(
  stack: "dev" | "prod",
  config: Record<string, ConfigValue>,
  section: (c: ConfigReader, ctx: { project: string; stack: string; prod: boolean }) => T,
): Promise<{ value: T; problems: string[] }> {
  await installPulumiMocks({ stack, config });
  const c = new ConfigReader(PROJECT, stack);
  const value = section(c, { project: PROJECT, stack, prod: stack === "prod" });
  return { value, problems: c.problems };
}

const autoscaling = (stack: "dev" | "prod", config: Record<string, ConfigValue> = {}) =>
  read(stack, config, (c, ctx) => readAutoscaling(c, ctx, GPU));

describe("autoscaling config", () => {
  test("Triton's replicas default to 1..GPUs the pool can grow to in dev, 2.. in prod", async () => {
    expect((await autoscaling("dev")).value.triton).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
    expect((await autoscaling("prod")).value.triton).toMatchObject({ minReplicas: 2, maxReplicas: 3 });
  });

  test("a Triton maximum above the GPUs the pool can grow to is refused, naming key and fix", async () => {
    const { problems } = await autoscaling("dev", { tritonMaxReplicas: 4 });
    expect(problems).toEqual([
      "clinical-inference-platform:tritonMaxReplicas must be <= the GPUs the pool can grow to (3 = gpuNodeMaxCount x GPUs per g4dn.xlarge), got 4; set it with: pulumi config set tritonMaxReplicas 3 -s dev",
    ]);
  });

  test("a Triton maximum below the minimum is refused", async () => {
    const { problems } = await autoscaling("prod", { tritonMinReplicas: 3, tritonMaxReplicas: 2 });
    expect(problems).toEqual([expect.stringContaining("tritonMaxReplicas must be >= tritonMinReplicas (3)")]);
  });

  test("prod refuses fewer than two Triton replicas, so zero is dev-only", async () => {
    const { problems } = await autoscaling("prod", { tritonMinReplicas: 0 });
    expect(problems).toEqual([expect.stringContaining("tritonMinReplicas must be >= 2 in prod, got 0")]);
    expect((await autoscaling("dev", { tritonMinReplicas: 0 })).problems).toEqual([]);
  });

  test("scale to zero in dev keeps Triton up during working hours only, when they are given", async () => {
    const { value } = await autoscaling("dev", {
      tritonMinReplicas: 0,
      tritonWorkingHoursTimezone: "Europe/Berlin",
      tritonWorkingHoursStart: "0 7 * * 1-5",
      tritonWorkingHoursEnd: "0 19 * * 1-5",
    });
    expect(value.triton.workingHours).toEqual({
      timezone: "Europe/Berlin",
      start: "0 7 * * 1-5",
      end: "0 19 * * 1-5",
    });
    expect((await autoscaling("dev", { tritonMinReplicas: 0 })).value.triton.workingHours).toBeUndefined();
  });

  test("a malformed working-hours cron expression is refused", async () => {
    const { problems } = await autoscaling("dev", {
      tritonMinReplicas: 0,
      tritonWorkingHoursStart: "7am",
      tritonWorkingHoursEnd: "0 19 * * 1-5",
    });
    expect(problems).toEqual([
      expect.stringContaining('tritonWorkingHoursStart must be a 5-field cron expression, got "7am"'),
    ]);
  });

  test("chart versions must be pinned", async () => {
    const { problems } = await autoscaling("dev", { kedaChartVersion: "latest" });
    expect(problems).toEqual([
      expect.stringContaining('kedaChartVersion must be a pinned chart version X.Y.Z, got "latest"'),
    ]);
  });

  test("warm-up periods outside 30-1800 s are refused", async () => {
    const { problems } = await autoscaling("dev", { tritonWarmupSeconds: 5 });
    expect(problems).toEqual([
      expect.stringContaining("tritonWarmupSeconds must be between 30 and 1800, got 5"),
    ]);
  });
});

describe("GPU capacity config", () => {
  const gpuCapacity = (stack: "dev" | "prod", config: Record<string, ConfigValue> = {}) =>
    read(stack, config, readGpuCapacity);

  test("idle GPU nodes leave after 10 minutes in dev and 30 in prod by default", async () => {
    expect((await gpuCapacity("dev")).value.idleMinutes).toBe(10);
    expect((await gpuCapacity("prod")).value.idleMinutes).toBe(30);
  });

  test("an unpinned AMI alias is refused", async () => {
    const { problems } = await gpuCapacity("dev", { gpuAmiAlias: "al2023@latest" });
    expect(problems).toEqual([
      expect.stringContaining(
        'gpuAmiAlias must pin an AL2023 release like al2023@v20251023 ("latest" is refused)',
      ),
    ]);
  });

  test("spot GPUs are refused in prod", async () => {
    const { problems } = await gpuCapacity("prod", { gpuCapacityType: "spot" });
    expect(problems).toEqual([expect.stringContaining("gpuCapacityType must be on-demand in prod")]);
    expect((await gpuCapacity("dev", { gpuCapacityType: "spot" })).problems).toEqual([]);
  });
});

function scalingArgs(config: AutoscalingConfig): AutoscalingArgs {
  return {
    provider: undefined as never,
    config,
    prometheusUrl: "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090",
    triton: {
      namespace: "triton",
      deployment: "triton",
      modelName: "distilbert_sst2",
      namespaceName: "triton",
    },
    gateway: { namespaceName: "gateway" },
  };
}

const scaledObject = (name: string, spec: unknown) => ({
  apiVersion: "keda.sh/v1alpha1",
  kind: "ScaledObject",
  metadata: { name, namespace: name },
  spec,
});

describe("KEDA ScaledObjects", () => {
  test("Triton's ScaledObject is valid against KEDA's CRD schema", async () => {
    const args = scalingArgs((await autoscaling("dev", { tritonMinReplicas: 0 })).value);
    const manifests = [scaledObject("triton", tritonScaledObjectSpec(args))];
    expect(schemaErrors(...manifests)).toEqual([]);
  });

  test("the schema check rejects a ScaledObject without a scale target", () => {
    expect(schemaErrors(scaledObject("broken", { triggers: [] }))).toEqual([
      expect.stringContaining("scaleTargetRef"),
    ]);
  });

  test("the scaling queries are valid PromQL", () => {
    expect(promqlErrors(tritonQueueTimeQuery("triton", "distilbert_sst2"))).toBe(0);
    expect(promqlErrors("sum(rate(x[2m])")).toBeGreaterThan(0);
  });

  test("Triton's queue time is per request: queue microseconds over successful requests, in ms", () => {
    expect(tritonQueueTimeQuery("triton", "m")).toBe(
      'sum(rate(nv_inference_queue_duration_us{namespace="triton",model="m"}[2m])) / 1000 / (sum(rate(nv_inference_request_success{namespace="triton",model="m"}[2m])) > 0)',
    );
  });

  test("Triton scales out one replica per warm-up period and in only after the stabilization window", async () => {
    const config = (
      await autoscaling("prod", { tritonWarmupSeconds: 240, tritonScaleInStabilizationSeconds: 900 })
    ).value;
    const spec = tritonScaledObjectSpec(scalingArgs(config));
    expect(spec.advanced.horizontalPodAutoscalerConfig.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [{ type: "Pods", value: 1, periodSeconds: 240 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 900,
        policies: [{ type: "Pods", value: 1, periodSeconds: 900 }],
      },
    });
    expect(spec).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 3, initialCooldownPeriod: 240 });
  });

  test("Triton's queue-time trigger compares the value itself with the target (not per replica)", async () => {
    const spec = tritonScaledObjectSpec(
      scalingArgs((await autoscaling("dev", { tritonQueueTargetMs: 80 })).value),
    );
    expect(spec.triggers).toEqual([
      expect.objectContaining({
        type: "prometheus",
        metricType: "Value",
        metadata: expect.objectContaining({ threshold: "80" }),
      }),
    ]);
  });

  test("a dev Triton at zero replicas gets a working-hours cron trigger for one replica", async () => {
    const spec = tritonScaledObjectSpec(
      scalingArgs(
        (
          await autoscaling("dev", {
            tritonMinReplicas: 0,
            tritonWorkingHoursStart: "0 7 * * 1-5",
            tritonWorkingHoursEnd: "0 19 * * 1-5",
          })
        ).value,
      ),
    );
    expect(spec.minReplicaCount).toBe(0);
    expect(spec.triggers.find((t) => t.type === "cron")).toEqual({
      type: "cron",
      name: "working-hours",
      metadata: { timezone: "UTC", start: "0 7 * * 1-5", end: "0 19 * * 1-5", desiredReplicas: "1" },
    });
  });
});
