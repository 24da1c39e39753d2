/**
 * The workloads layer on a dev-like and a prod-like stack, as the Kubernetes API would receive it: the
 * gateway Deployment (image, backend settings, mounted files, probes, security context, resources, spread,
 * drain, rollout order, Service, autoscaling and PDB).
 */
import * as path from "node:path";
import { type Built, ECR_URL } from "./support/workloads-fixture";
import { selectorMatches } from "./support/workloads-k8s-semantics";
import { envOf, portNumber, useBuiltWorkloads } from "./support/workloads-suite";

const built = useBuiltWorkloads();

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
type Manifest = any;

describe.each(["dev", "prod"] as const)("%s stack", (kind) => {
  const b = () => built[kind] as Built;
  const triton = () => b().manifest("Deployment", "triton", "triton");
  const gateway = () => b().manifest("Deployment", "gateway", "gateway");
  const gatewayPod = () => gateway().spec.template.spec;
  const gatewayContainer = () => gatewayPod().containers[0];

  describe("gateway", () => {
    test("runs the configured tag of the stack's ECR image", () => {
      expect(gatewayContainer().image).toBe(`${ECR_URL}:1.4.2`);
    });

    test("is configured for the in-cluster Triton backend with the pinned model version", () => {
      const env = envOf(gatewayContainer());
      expect(env).toMatchObject({
        BACKEND: "triton",
        TRITON_URL: "http://triton.triton.svc.cluster.local:8000",
        MODEL_NAME: "distilbert_sst2",
        MODEL_VERSION: "1",
        PORT: "8080",
        METRICS_PORT: "9090",
        JWT_AUDIENCE: "clinical-inference",
      });
    });

    test("reads every *_FILE setting from a read-only mount of a Secret or ConfigMap the stack creates", () => {
      const env = envOf(gatewayContainer());
      const fileVars = Object.keys(env).filter((k) => k.endsWith("_FILE"));
      expect(fileVars.sort()).toEqual(
        ["DEID_KEY_FILE", "JWT_JWKS_FILE", "OAUTH_CLIENTS_FILE", "OAUTH_SIGNING_KEY_FILE"].sort(),
      );
      for (const name of fileVars) {
        const file = env[name] as string;
        const mount = gatewayContainer().volumeMounts.find((m: Manifest) =>
          file.startsWith(`${m.mountPath}/`),
        );
        expect([name, mount?.readOnly]).toEqual([name, true]);
        const volume = gatewayPod().volumes.find((v: Manifest) => v.name === mount.name);
        const key = path.posix.basename(file);
        if (volume.secret) {
          expect(b().manifest("Secret", volume.secret.secretName, "gateway").stringData[key]).toEqual(
            expect.any(String),
          );
        } else {
          expect(b().manifest("ConfigMap", volume.configMap.name, "gateway").data[key]).toEqual(
            expect.any(String),
          );
        }
      }
    });

    test("is probed on /readyz for readiness and /healthz for liveness on the API port", () => {
      expect(gatewayContainer().readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
      expect(gatewayContainer().livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
      expect(portNumber(gatewayContainer(), "http")).toBe(8080);
      expect(portNumber(gatewayContainer(), "metrics")).toBe(9090);
    });

    test("runs non-root on a read-only root filesystem with a writable /tmp", () => {
      expect(gatewayContainer().securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      const tmp = gatewayContainer().volumeMounts.find((m: Manifest) => m.mountPath === "/tmp");
      expect(gatewayPod().volumes.find((v: Manifest) => v.name === tmp.name).emptyDir).toBeDefined();
      expect(gatewayPod().automountServiceAccountToken).toBe(false);
    });

    test("declares CPU and memory requests and limits", () => {
      const { requests, limits } = gatewayContainer().resources;
      expect(Object.keys(requests).sort()).toEqual(["cpu", "memory"]);
      expect(Object.keys(limits).sort()).toEqual(["cpu", "memory"]);
    });

    test("spreads its pods across zones and hosts with selectors that match its own pods", () => {
      const constraints = gatewayPod().topologySpreadConstraints;
      expect(constraints.map((c: Manifest) => c.topologyKey).sort()).toEqual([
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
      ]);
      for (const c of constraints) {
        expect(c.maxSkew).toBe(1);
        expect(selectorMatches(c.labelSelector, gateway().spec.template.metadata.labels)).toBe(true);
      }
    });

    test("drains before it is killed: preStop sleep + SHUTDOWN_TIMEOUT_MS fit inside the grace period", () => {
      const preStop = gatewayContainer().lifecycle.preStop.sleep.seconds;
      const shutdownS = Number(envOf(gatewayContainer()).SHUTDOWN_TIMEOUT_MS) / 1000;
      expect(preStop).toBeGreaterThan(0);
      expect(shutdownS).toBeLessThan(gatewayPod().terminationGracePeriodSeconds);
      expect(preStop + shutdownS).toBeLessThan(gatewayPod().terminationGracePeriodSeconds);
    });

    test("never removes a serving pod before its replacement is ready", () => {
      expect(gateway().spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    });

    test("waits for the ALB controller (readiness-gate webhook) and for Triton before rolling out", () => {
      const deployment = b().one("Deployment", "gateway", "gateway");
      const release = b().stack.one("kubernetes:helm.sh/v3:Release");
      const tritonDeployment = b().one("Deployment", "triton", "triton");
      expect(deployment.options.dependencies).toEqual(
        expect.arrayContaining([release.urn, tritonDeployment.urn]),
      );
    });

    test("is reachable in-cluster only through a ClusterIP Service selecting the gateway pods", () => {
      const svc = b().manifest("Service", "gateway", "gateway");
      expect(svc.spec.type).toBe("ClusterIP");
      expect(
        selectorMatches({ matchLabels: svc.spec.selector }, gateway().spec.template.metadata.labels),
      ).toBe(true);
      expect(
        selectorMatches({ matchLabels: svc.spec.selector }, triton().spec.template.metadata.labels),
      ).toBe(false);
    });

    test("autoscales on CPU between the stack's minimum and maximum", () => {
      const hpa = b().manifest("HorizontalPodAutoscaler", "gateway", "gateway");
      expect(hpa.apiVersion).toBe("autoscaling/v2");
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "gateway" });
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual(kind === "prod" ? [2, 10] : [1, 3]);
      // The HPA owns the count: a replicas field would make every `pulumi up` reset it.
      expect(gateway().spec.replicas).toBeUndefined();
      expect(hpa.spec.metrics).toEqual([
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
      ]);
    });

    test("has a PodDisruptionBudget that selects its pods", () => {
      const pdb = b().manifest("PodDisruptionBudget", "gateway", "gateway");
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(selectorMatches(pdb.spec.selector, gateway().spec.template.metadata.labels)).toBe(true);
    });
  });
});
