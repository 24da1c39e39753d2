/**
 * What changes the pod templates (and therefore triggers a rolling update), and what does not.
 */
import { renderTritonModelConfig } from "../components/triton-model-config";
import { makeModelRepo } from "./support/stacks";
import { type Built, buildWorkloads, MODEL_CONFIG } from "./support/workloads-fixture";

const modelChecksum = (b: Built) =>
  b.manifest("Deployment", "triton", "triton").spec.template.metadata.annotations[
    "clinical-inference/model-checksum"
  ];
const authChecksum = (b: Built) =>
  b.manifest("Deployment", "gateway", "gateway").spec.template.metadata.annotations[
    "clinical-inference/auth-checksum"
  ];
const gatewayEnv = (b: Built): Record<string, string> =>
  Object.fromEntries(
    b
      .manifest("Deployment", "gateway", "gateway")
      .spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]),
  );

let base: Built;
beforeAll(async () => {
  base = await buildWorkloads("dev");
});

test("Triton's pod template carries a SHA-256 checksum of the model and its configuration", () => {
  expect(modelChecksum(base)).toMatch(/^[0-9a-f]{64}$/);
  expect(
    base.manifest("Deployment", "triton", "triton").spec.template.metadata.annotations[
      "clinical-inference/model"
    ],
  ).toBe("distilbert_sst2:1");
});

test("rebuilding the same stack yields the same checksums, so nothing rolls", async () => {
  const again = await buildWorkloads("dev");
  expect(modelChecksum(again)).toBe(modelChecksum(base));
  expect(authChecksum(again)).toBe(authChecksum(base));
});

test("a new model version rolls Triton and re-pins the gateway, without touching the key checksum", async () => {
  const next = await buildWorkloads("dev", {
    settings: (s) => ({ ...s, triton: { ...s.triton, modelVersion: "2" } }),
  });
  expect(modelChecksum(next)).not.toBe(modelChecksum(base));
  expect(gatewayEnv(next).MODEL_VERSION).toBe("2");
  expect(authChecksum(next)).toBe(authChecksum(base));
});

test("a changed config.pbtxt rolls Triton", async () => {
  const next = await buildWorkloads("dev", {
    args: { modelConfig: MODEL_CONFIG.replace("max_batch_size: 16", "max_batch_size: 32") },
  });
  expect(modelChecksum(next)).not.toBe(modelChecksum(base));
});

test("switching TensorRT FP16 rolls Triton", async () => {
  // The switch reaches Triton inside the rendered config.pbtxt, which is what the checksum covers.
  const repo = makeModelRepo({ withModel: false });
  try {
    const build = (tensorrtFp16: boolean) =>
      buildWorkloads("dev", {
        settings: (s) => ({ ...s, triton: { ...s.triton, tensorrtFp16 } }),
        args: {
          modelConfig: renderTritonModelConfig(repo.root, {
            modelName: "distilbert_sst2",
            modelVersion: "1",
            maxBatchSize: 16,
            tensorrtFp16,
            modelVariant: "gpu",
          }).content,
        },
      });
    expect(modelChecksum(await build(true))).not.toBe(modelChecksum(await build(false)));
  } finally {
    repo.cleanup();
  }
});

test("a new gateway image tag changes only the gateway's image and version label", async () => {
  const next = await buildWorkloads("dev", {
    settings: (s) => ({ ...s, gateway: { ...s.gateway, imageTag: "1.5.0" } }),
  });
  const template = next.manifest("Deployment", "gateway", "gateway").spec.template;
  expect(template.spec.containers[0].image).toMatch(/:1\.5\.0$/);
  expect(template.metadata.labels["app.kubernetes.io/version"]).toBe("1.5.0");
  expect(authChecksum(next)).toBe(authChecksum(base));
  expect(modelChecksum(next)).toBe(modelChecksum(base));
  // The selector does not include the version, so the Deployment is updated in place, not replaced.
  expect(next.manifest("Deployment", "gateway", "gateway").spec.selector).toEqual(
    base.manifest("Deployment", "gateway", "gateway").spec.selector,
  );
});

test("pods wait for what the caller says they need (node groups, the uploaded model repository)", async () => {
  const b = await buildWorkloads("dev", { withUpstream: true });
  const upstream = b.stack.one("random:index/randomId:RandomId", "upstream").urn;
  expect(b.one("Deployment", "triton", "triton").options.dependencies).toContain(upstream);
  expect(b.one("Deployment", "gateway", "gateway").options.dependencies).toContain(upstream);
  expect(b.stack.one("kubernetes:helm.sh/v3:Release").options.dependencies).toContain(upstream);
});

test("with every GPU running a replica, a Triton rollout stops one old pod before starting a new one", () => {
  // dev: one GPU, one replica. A surge pod would need a second GPU that nothing adds.
  expect(base.manifest("Deployment", "triton", "triton").spec.strategy).toEqual({
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
  });
});

test("with a spare GPU, a Triton rollout starts the new pod first and loses no capacity", async () => {
  const spare = await buildWorkloads("dev", {
    settings: (s) => ({ ...s, triton: { ...s.triton, replicas: 1, gpuCapacity: 2 } }),
  });
  expect(spare.manifest("Deployment", "triton", "triton").spec.strategy.rollingUpdate).toEqual({
    maxUnavailable: 0,
    maxSurge: 1,
  });
});

test("zone spreading counts only zones with nodes a pod may run on (taints and affinity honoured)", () => {
  for (const name of ["gateway", "triton"]) {
    for (const constraint of base.manifest("Deployment", name, name).spec.template.spec
      .topologySpreadConstraints) {
      expect([name, constraint.nodeTaintsPolicy, constraint.nodeAffinityPolicy]).toEqual([
        name,
        "Honor",
        "Honor",
      ]);
    }
  }
});
