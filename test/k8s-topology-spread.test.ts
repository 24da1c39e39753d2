/**
 * Issue 11 #10 on a real control plane: a prod stack whose third zone holds only GPU nodes (two system nodes
 * in three zones, three GPU nodes). The gateway spreads over zones with DoNotSchedule; if the scheduler
 * counted the GPU-only zone (taints not honoured), every gateway pod past one per system zone would stay
 * Pending, because the tainted zone can never receive one. With nodeTaintsPolicy: Honor a scale-out to the
 * HPA maximum schedules.
 */
import { describe as describePods, settledPods, unscheduled } from "./support/k8s/scheduling";
import { type StackCluster, startStackCluster } from "./support/k8s/stack-cluster";

const START_TIMEOUT_MS = 600_000;
const STEP_TIMEOUT_MS = 240_000;
/** Two m6i.large system nodes hold six gateway pods; four is a scale-out past one pod per system zone. */
const SHAPE = { systemNodeCount: 2, gpuNodeCount: 3, gatewayMaxReplicas: 4 };

let cluster: StackCluster;

beforeAll(async () => {
  cluster = await startStackCluster("prod", SHAPE);
}, START_TIMEOUT_MS);
afterAll(async () => {
  await cluster?.stop();
}, STEP_TIMEOUT_MS);

test("one zone holds only tainted GPU nodes", () => {
  const zonesOf = (gpu: boolean) =>
    new Set(cluster.nodes.filter((n) => "nvidia.com/gpu" in n.resources.capacity === gpu).map((n) => n.zone));
  const gpuOnly = [...zonesOf(true)].filter((zone) => !zonesOf(false).has(zone));
  expect(gpuOnly).toHaveLength(1);
});

test(
  "the gateway scaled out to its HPA maximum schedules on the system nodes of the other zones",
  async () => {
    const gateway = cluster.rendered.manifests.find(
      (m) => m.kind === "Deployment" && m.metadata.name === "gateway",
    );
    const max = cluster.rendered.manifests.find((m) => m.kind === "HorizontalPodAutoscaler").spec.maxReplicas;
    const { namespace } = gateway.metadata;
    await cluster.kubectl.run(["scale", "deployment/gateway", "-n", namespace, `--replicas=${max}`]);
    const placed = (await settledPods(cluster.kubectl)).filter((p) => p.namespace === namespace);
    expect(placed).toHaveLength(max);
    expect(describePods(unscheduled(placed))).toBe("");
  },
  STEP_TIMEOUT_MS,
);
