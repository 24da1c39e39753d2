/**
 * The workloads layer on a dev-like and a prod-like stack, as the Kubernetes API would receive it: the
 * workload namespaces (Pod Security Standard, labels, provider) and the Triton Deployment (image, drain,
 * GPU scheduling, IRSA, probes, security context, rollout, Service and PDB).
 */
import { GPU_LABEL as NODE_POOL_GPU_LABEL, GPU_TAINT as NODE_POOL_GPU_TAINT } from "../components/node-pools";
import { GPU_NODE_LABEL, GPU_TAINT } from "../components/triton";
import { type Built, TRITON_ROLE_ARN } from "./support/workloads-fixture";
import { nodeAffinityMatches, selectorMatches, toleratesAll } from "./support/workloads-k8s-semantics";
import { envOf, portNumber, useBuiltWorkloads } from "./support/workloads-suite";

const built = useBuiltWorkloads();

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
type Manifest = any;

/** The restricted Pod Security Standard, checked field by field for a pod spec. */
function restrictedViolations(podSpec: Manifest): string[] {
  const problems: string[] = [];
  const pod = podSpec.securityContext ?? {};
  for (const c of podSpec.containers) {
    const sc = c.securityContext ?? {};
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${c.name}: runAsNonRoot`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${c.name}: runAsUser 0`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation`);
    if (sc.privileged === true) problems.push(`${c.name}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${c.name}: drop ALL`);
    if ((sc.capabilities?.add ?? []).some((cap: string) => cap !== "NET_BIND_SERVICE")) {
      problems.push(`${c.name}: added capabilities`);
    }
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${c.name}: seccomp`);
    if ((c.ports ?? []).some((p: { hostPort?: number }) => p.hostPort)) problems.push(`${c.name}: hostPort`);
  }
  for (const v of podSpec.volumes ?? []) {
    const allowed = ["configMap", "emptyDir", "projected", "secret", "downwardAPI", "persistentVolumeClaim"];
    const types = Object.keys(v).filter((k) => k !== "name");
    if (!types.every((t) => allowed.includes(t))) problems.push(`volume ${v.name}: ${types.join(",")}`);
  }
  if (podSpec.hostNetwork || podSpec.hostPID || podSpec.hostIPC) problems.push("host namespaces");
  return problems;
}

describe.each(["dev", "prod"] as const)("%s stack", (kind) => {
  const b = () => built[kind] as Built;
  const triton = () => b().manifest("Deployment", "triton", "triton");
  const tritonPod = () => triton().spec.template.spec;
  const tritonContainer = () => tritonPod().containers[0];
  const gateway = () => b().manifest("Deployment", "gateway", "gateway");
  const gatewayPod = () => gateway().spec.template.spec;

  describe("namespaces", () => {
    test("both workload namespaces enforce, audit and warn on the restricted Pod Security Standard", () => {
      for (const name of ["gateway", "triton"]) {
        const labels = b().manifest("Namespace", name).metadata.labels;
        for (const mode of ["enforce", "audit", "warn"]) {
          expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
          expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe("v1.33");
        }
      }
    });

    test("Triton's and the gateway's pods comply with the restricted Pod Security Standard", () => {
      expect(restrictedViolations(tritonPod())).toEqual([]);
      expect(restrictedViolations(gatewayPod())).toEqual([]);
    });

    test("the gateway namespace asks the ALB controller to inject pod readiness gates", () => {
      const labels = b().manifest("Namespace", "gateway").metadata.labels;
      expect(labels["elbv2.k8s.aws/pod-readiness-gate-inject"]).toBe("enabled");
    });

    test("every Kubernetes object carries the app.kubernetes.io labels", () => {
      for (const m of b().manifests()) {
        const labels = m.metadata.labels ?? {};
        expect([m.kind, labels["app.kubernetes.io/name"]]).toEqual([m.kind, expect.any(String)]);
        expect(labels["app.kubernetes.io/part-of"]).toBe("clinical-inference-platform");
        expect(labels["app.kubernetes.io/managed-by"]).toBe("pulumi");
      }
    });

    test("every Kubernetes object and the Helm release target the cluster provider passed in", () => {
      const k8sResources = b().stack.resources.filter((r) => r.type.startsWith("kubernetes:"));
      expect(k8sResources.length).toBeGreaterThan(15);
      for (const r of k8sResources) expect(r.options.provider.startsWith(`${b().providerUrn}::`)).toBe(true);
    });
  });

  describe("Triton", () => {
    test("runs the pinned Triton image with the S3 repository, explicit model control and strict readiness", () => {
      expect(tritonContainer().image).toBe("nvcr.io/nvidia/tritonserver:24.12-py3");
      expect(tritonContainer().command).toEqual(["tritonserver"]);
      expect(tritonContainer().args).toEqual(
        expect.arrayContaining([
          "--model-repository=s3://clinical-models-bucket/models",
          "--model-control-mode=explicit",
          "--load-model=distilbert_sst2",
          "--strict-readiness=true",
          "--http-port=8000",
          "--grpc-port=8001",
          "--metrics-port=8002",
        ]),
      );
    });

    test("drains within the grace period: grace > preStop sleep + --exit-timeout-secs", () => {
      const exitTimeout = Number(
        (tritonContainer().args as string[]).find((a) => a.startsWith("--exit-timeout-secs="))?.split("=")[1],
      );
      const preStop = tritonContainer().lifecycle.preStop.sleep.seconds;
      expect(exitTimeout).toBeGreaterThan(0);
      expect(preStop).toBeGreaterThan(0);
      expect(exitTimeout).toBeLessThan(tritonPod().terminationGracePeriodSeconds);
      expect(tritonPod().terminationGracePeriodSeconds).toBeGreaterThan(preStop + exitTimeout);
    });

    test("requests exactly one GPU", () => {
      expect(tritonContainer().resources.limits["nvidia.com/gpu"]).toBe("1");
      expect(tritonContainer().resources.requests["nvidia.com/gpu"]).toBe("1");
    });

    test("tolerates the GPU pool's taint and is only schedulable on nodes labelled as GPU nodes", () => {
      const tolerations = tritonPod().tolerations;
      const gpuNodeTaints = [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }];
      expect(GPU_TAINT).toEqual(gpuNodeTaints[0]);
      expect(toleratesAll(tolerations, gpuNodeTaints)).toBe(true);
      // A different taint value is not tolerated: the toleration matches the pool's taint exactly.
      expect(
        toleratesAll(tolerations, [{ key: "nvidia.com/gpu", value: "false", effect: "NoSchedule" }]),
      ).toBe(false);
      const terms =
        tritonPod().affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      expect(nodeAffinityMatches(terms, { [GPU_NODE_LABEL.key]: "true", "kubernetes.io/os": "linux" })).toBe(
        true,
      );
      expect(nodeAffinityMatches(terms, { "kubernetes.io/os": "linux" })).toBe(false);
    });

    test("tolerates exactly the taint and matches the label that the AWS layer puts on the GPU node group", () => {
      // EKS managed node groups spell effects in the EKS API form (NO_SCHEDULE); the kubelet applies NoSchedule.
      const eksEffects: Record<string, string> = {
        NO_SCHEDULE: "NoSchedule",
        NO_EXECUTE: "NoExecute",
        PREFER_NO_SCHEDULE: "PreferNoSchedule",
      };
      const nodeTaint = {
        key: NODE_POOL_GPU_TAINT.key,
        value: NODE_POOL_GPU_TAINT.value,
        effect: eksEffects[NODE_POOL_GPU_TAINT.effect] as string,
      };
      expect(toleratesAll(tritonPod().tolerations, [nodeTaint])).toBe(true);
      const terms =
        tritonPod().affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      expect(nodeAffinityMatches(terms, { ...NODE_POOL_GPU_LABEL })).toBe(true);
    });

    test("reads the model bucket through its IRSA service account, with the region set", () => {
      const sa = b().manifest("ServiceAccount", "triton", "triton");
      expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).toBe(TRITON_ROLE_ARN);
      expect(tritonPod().serviceAccountName).toBe("triton");
      expect(envOf(tritonContainer()).AWS_DEFAULT_REGION).toBe("us-east-1");
      expect(JSON.stringify(tritonContainer().env)).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    });

    test("gives model load and a TensorRT engine build at least 10 minutes before probes can fail it", () => {
      const startup = tritonContainer().startupProbe;
      expect(startup.failureThreshold * startup.periodSeconds).toBeGreaterThanOrEqual(600);
      expect(startup.httpGet.port).toBe("http");
      expect(tritonContainer().readinessProbe.httpGet.path).toBe("/v2/health/ready");
      expect(tritonContainer().livenessProbe.httpGet.path).toBe("/v2/health/live");
      expect(portNumber(tritonContainer(), "http")).toBe(8000);
    });

    test("mounts a size-limited memory-backed /dev/shm", () => {
      const mount = tritonContainer().volumeMounts.find((m: Manifest) => m.mountPath === "/dev/shm");
      const volume = tritonPod().volumes.find((v: Manifest) => v.name === mount.name);
      expect(volume.emptyDir.medium).toBe("Memory");
      expect(volume.emptyDir.sizeLimit).toMatch(/^\d+(Mi|Gi)$/);
    });

    test("runs as UID 1000 without privilege escalation, capabilities or the default seccomp off", () => {
      const sc = tritonContainer().securityContext;
      expect(sc).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 1000,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(tritonPod().securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    });

    test("rolls one pod at a time without a surge pod, since every GPU already runs a replica", () => {
      expect(triton().spec.strategy).toEqual({
        type: "RollingUpdate",
        rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
      });
      expect(triton().spec.replicas).toBe(kind === "prod" ? 2 : 1);
    });

    test("is exposed only through a ClusterIP Service on 8000/8001/8002 that selects the Triton pods", () => {
      const svc = b().manifest("Service", "triton", "triton");
      expect(svc.spec.type).toBe("ClusterIP");
      expect(svc.spec.ports.map((p: Manifest) => p.port).sort()).toEqual([8000, 8001, 8002]);
      expect(
        selectorMatches({ matchLabels: svc.spec.selector }, triton().spec.template.metadata.labels),
      ).toBe(true);
      for (const p of svc.spec.ports) expect(portNumber(tritonContainer(), p.targetPort)).toBe(p.port);
    });

    test("has a PodDisruptionBudget that selects its pods", () => {
      const pdb = b().manifest("PodDisruptionBudget", "triton", "triton");
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(selectorMatches(pdb.spec.selector, triton().spec.template.metadata.labels)).toBe(true);
    });
  });
});
