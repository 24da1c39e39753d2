/**
 * GPU scale to zero (issue 15): dev keeps no always-on GPU node, Triton idles at zero and the gateway's
 * request rate wakes it; prod keeps its floor. Config rules through the section readers and loadConfig, then
 * the rendered dev and prod stacks (node group, ScaledObject, NodePool, gateway readiness), schema-validated
 * against the pinned KEDA and Karpenter CRDs. The gateway's side (it answers while Triton is away, and the
 * wake query selects what it counts) is in test/gpu-wake-gateway.test.ts.
 */
import { gatewayDemandQuery } from "../components/autoscaling";
import { loadConfig, StackConfigError } from "../components/config";
import { readAutoscaling } from "../components/config/autoscaling";
import { readNodePools } from "../components/config/node-pools";
import { ConfigReader } from "../components/config/reader";
import { schemaErrors } from "./support/elastic-fixtures";
import { type RenderedStack, renderStack } from "./support/k8s/stack-render";
import { type ConfigValue, installPulumiMocks, PROJECT } from "./support/pulumi-mocks";
import { stackFileConfig } from "./support/stack-files";
import { PROD_REQUIRED } from "./support/stacks";

interface PromqlParser {
  parse(expr: string): { iterate(spec: { enter(node: { type: { isError: boolean } }): void }): void };
}
const { parser } = require("@prometheus-io/lezer-promql") as { parser: PromqlParser };

type Stack = "dev" | "prod";
const ctxOf = (stack: Stack) => ({ project: PROJECT, stack, prod: stack === "prod" });

async function sections(stack: Stack, config: Record<string, ConfigValue>) {
  await installPulumiMocks({ stack, config });
  const c = new ConfigReader(PROJECT, stack);
  const nodePools = readNodePools(c, ctxOf(stack));
  const autoscaling = readAutoscaling(c, ctxOf(stack), nodePools.gpuNodes);
  return { nodePools, autoscaling, problems: c.problems };
}

/** loadConfig on the committed stack file plus overrides: the config, or the error's problem lines. */
async function load(stack: Stack, overrides: Record<string, ConfigValue> = {}) {
  const required = stack === "prod" ? PROD_REQUIRED : {};
  await installPulumiMocks({ stack, config: { ...stackFileConfig(stack), ...required, ...overrides } });
  try {
    return { config: loadConfig(), problems: [] as string[] };
  } catch (error) {
    if (!(error instanceof StackConfigError)) throw error;
    return { config: undefined, problems: error.problems };
  }
}

describe("GPU scale-to-zero config", () => {
  test("dev may keep no GPU node always on, and Triton then idles at zero by default", async () => {
    const { nodePools, autoscaling, problems } = await sections("dev", { gpuNodeCount: 0 });
    expect(problems).toEqual([]);
    expect(nodePools.gpuNodes).toMatchObject({ minCount: 0, desiredCount: 0, maxCount: 1 });
    expect(autoscaling.triton).toMatchObject({ minReplicas: 0, maxReplicas: 1, workingHours: undefined });
  });

  test("prod refuses zero always-on GPU nodes with one line naming the key and the fix", async () => {
    const { problems } = await sections("prod", { gpuNodeCount: 0 });
    expect(problems).toEqual([
      "clinical-inference-platform:gpuNodeCount must be >= 2 in prod (GPUs scale to zero in dev only), got 0; set it with: pulumi config set gpuNodeCount 2 -s prod",
    ]);
  });

  test("KEDA's Triton maximum may not exceed what the managed pool and Karpenter's NodePool limit hold", async () => {
    const { problems } = await sections("dev", { gpuNodeCount: 0, gpuNodeMaxCount: 1, tritonMaxReplicas: 2 });
    expect(problems).toEqual([
      "clinical-inference-platform:tritonMaxReplicas must be <= the GPUs the pool can grow to (1 = gpuNodeMaxCount x GPUs per g4dn.xlarge), got 2; set it with: pulumi config set tritonMaxReplicas 1 -s dev",
    ]);
  });

  test("a warm window needs both its start and its end", async () => {
    const { problems } = await sections("dev", { gpuNodeCount: 0, tritonWorkingHoursStart: "0 7 * * 1-5" });
    expect(problems).toEqual([
      "clinical-inference-platform:tritonWorkingHoursEnd must be set with its partner (a warm window needs a start and an end); set it with: pulumi config set tritonWorkingHoursEnd '0 19 * * 1-5' -s dev",
    ]);
  });

  test("a warm window on a Triton that never idles at zero is refused", async () => {
    const { problems } = await sections("dev", {
      tritonMinReplicas: 1,
      tritonWorkingHoursStart: "0 7 * * 1-5",
      tritonWorkingHoursEnd: "0 19 * * 1-5",
    });
    expect(problems).toEqual([
      expect.stringContaining("tritonMinReplicas must be 0 when tritonWorkingHoursStart"),
    ]);
  });

  test("a Triton at zero without the ServiceMonitors that carry its wake-up signal is refused", async () => {
    const { problems } = await load("dev", { serviceMonitor: false });
    expect(problems).toEqual([
      expect.stringContaining("serviceMonitor must be true when tritonMinReplicas is 0"),
    ]);
    expect((await load("dev", { serviceMonitor: false, tritonMinReplicas: 1 })).problems).toEqual([]);
  });
});

describe("Triton's rollout under autoscaling", () => {
  /** The rolling update the rendered dev Deployment carries, with `overrides` on the stack file. */
  const strategyOf = async (overrides: Record<string, ConfigValue>) => {
    const { manifests } = await renderStack("dev", overrides);
    return manifests.find((m) => m.kind === "Deployment" && m.metadata.name === "triton").spec.strategy
      .rollingUpdate;
  };

  test("a surge pod is used when KEDA's maximum leaves a GPU Karpenter may still add", async () => {
    expect(await strategyOf({ gpuNodeMaxCount: 2, tritonMaxReplicas: 1 })).toEqual({
      maxUnavailable: 0,
      maxSurge: 1,
    });
  }, 120_000);

  test("no surge pod when KEDA may hold every GPU the pool can grow to (it would stay Pending)", async () => {
    expect(await strategyOf({ gpuNodeMaxCount: 2 })).toEqual({ maxUnavailable: 1, maxSurge: 0 });
  }, 120_000);
});

describe("the wake-up query", () => {
  test("is valid PromQL", () => {
    let errors = 0;
    parser.parse(gatewayDemandQuery("gateway")).iterate({ enter: (n) => void (n.type.isError && errors++) });
    expect(errors).toBe(0);
  });

  test("reads the gateway's own request counter for the model routes, leaving out unauthenticated requests", () => {
    expect(gatewayDemandQuery("gw")).toBe(
      'clamp_max((sum(rate(gateway_http_requests_total{namespace="gw",route=~"/v1/sentiment(/batch)?",status!~"401|403"}[2m])) or vector(0))' +
        ' + (count(gateway_http_requests_total{namespace="gw",route=~"/v1/sentiment(/batch)?",status!~"401|403"}' +
        ' unless gateway_http_requests_total{namespace="gw",route=~"/v1/sentiment(/batch)?",status!~"401|403"} offset 2m) or vector(0)), 1)',
    );
  });
});

describe.each(["dev", "prod"] as const)("the rendered %s stack", (stack) => {
  let rendered: RenderedStack;
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
  const manifest = (kind: string, name: string): any => {
    const found = rendered.manifests.find((m) => m.kind === kind && m.metadata.name === name);
    if (!found) throw new Error(`${stack} renders no ${kind} ${name}`);
    return found;
  };
  const dev = stack === "dev";

  beforeAll(async () => {
    rendered = await renderStack(stack, stack === "prod" ? { serviceMonitor: true } : {});
  }, 120_000);

  test(dev ? "keeps no GPU node always on" : "keeps two GPU nodes always on", () => {
    const gpu = rendered.nodePools.find((p) => p.name === "nodes-gpu");
    expect(gpu?.desiredSize).toBe(dev ? 0 : 2);
  });

  test(
    dev ? "lets Triton idle at zero and wakes it on the gateway's demand" : "holds Triton at two or more",
    () => {
      const spec = manifest("ScaledObject", "triton").spec;
      expect(spec.minReplicaCount).toBe(dev ? 0 : 2);
      const demand = spec.triggers.find((t: { name: string }) => t.name === "gateway-demand");
      if (dev) {
        expect(demand).toMatchObject({
          type: "prometheus",
          metricType: "AverageValue",
          metadata: { query: gatewayDemandQuery("gateway"), threshold: "1", activationThreshold: "0" },
        });
      } else {
        expect(demand).toBeUndefined();
      }
    },
  );

  test("lets Karpenter add the GPUs above the managed pool, each leaving after its idle time", () => {
    const pool = manifest("NodePool", "gpu").spec;
    expect(pool.limits).toEqual({ "nvidia.com/gpu": dev ? "1" : "2" });
    expect(pool.disruption).toMatchObject({ consolidateAfter: dev ? "10m" : "30m" });
  });

  test("renders ScaledObject, NodePool and EC2NodeClass valid against their pinned CRDs", () => {
    expect(
      schemaErrors(
        manifest("ScaledObject", "triton"),
        manifest("NodePool", "gpu"),
        manifest("EC2NodeClass", "gpu"),
      ),
    ).toEqual([]);
  });

  test(
    dev
      ? "keeps the gateway in rotation while Triton is away (readiness on /healthz)"
      : "takes a gateway out of rotation when Triton is not ready (readiness on /readyz)",
    () => {
      const gateway = manifest("Deployment", "gateway").spec.template.spec.containers[0];
      expect(gateway.readinessProbe.httpGet.path).toBe(dev ? "/healthz" : "/readyz");
    },
  );

  test("gives the control-plane harness the GPU nodes Triton needs, from Karpenter where the pool has none", () => {
    const gpuPools = rendered.nodePools.filter((p) => p.labels["nvidia.com/gpu.present"] === "true");
    expect(gpuPools.map((p) => [p.name, p.desiredSize])).toEqual(
      dev
        ? [
            ["nodes-gpu", 0],
            ["karpenter-gpu", 1],
          ]
        : [["nodes-gpu", 2]],
    );
  });
});
