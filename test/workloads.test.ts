/**
 * The workloads layer on a dev-like and a prod-like stack: Triton, the gateway, the Ingress and the ALB
 * controller, observability hooks and outputs, as the Kubernetes API would receive them.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { GPU_LABEL as NODE_POOL_GPU_LABEL, GPU_TAINT as NODE_POOL_GPU_TAINT } from "../components/node-pools";
import { GPU_NODE_LABEL, GPU_TAINT } from "../components/triton";
import { OIDC_ISSUER_HOST, OIDC_PROVIDER_ARN, parsePolicy } from "./support/pulumi-mocks";
import {
  ALB_HOSTNAME,
  ALB_SUBNET_CIDRS,
  type Built,
  buildWorkloads,
  CERTIFICATE_ARN,
  ECR_URL,
  TRITON_ROLE_ARN,
} from "./support/workloads-fixture";
import { nodeAffinityMatches, selectorMatches, toleratesAll } from "./support/workloads-k8s-semantics";

const built: Partial<Record<"dev" | "prod", Built>> = {};
beforeAll(async () => {
  built.dev = await buildWorkloads("dev");
  built.prod = await buildWorkloads("prod");
});

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
type Manifest = any;
const envOf = (container: Manifest): Record<string, string> =>
  Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
const portNumber = (container: Manifest, name: string): number =>
  container.ports.find((p: { name: string }) => p.name === name)?.containerPort;

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
  const gatewayContainer = () => gatewayPod().containers[0];

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

  describe("ingress", () => {
    const ingress = () => b().manifest("Ingress", "gateway", "gateway");

    test("is an internet-facing ALB with IP targets health-checked on /healthz", () => {
      expect(ingress().spec.ingressClassName).toBe("alb");
      expect(ingress().metadata.annotations).toMatchObject({
        "alb.ingress.kubernetes.io/scheme": "internet-facing",
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/healthcheck-path": "/healthz",
      });
    });

    test("routes only to the gateway Service, on a port that Service exposes", () => {
      const backends: Manifest[] = [];
      if (ingress().spec.defaultBackend) backends.push(ingress().spec.defaultBackend);
      for (const rule of ingress().spec.rules) for (const p of rule.http.paths) backends.push(p.backend);
      expect(backends.length).toBeGreaterThan(0);
      const svc = b().manifest("Service", "gateway", "gateway");
      for (const backend of backends) {
        expect(backend.service.name).toBe("gateway");
        expect(svc.spec.ports.map((p: Manifest) => p.name)).toContain(backend.service.port.name);
      }
      // No other Ingress and no externally reachable Service exists.
      expect(b().manifests("Ingress")).toHaveLength(1);
      for (const s of b().manifests("Service")) expect(s.spec.type).toBe("ClusterIP");
    });

    if (kind === "prod") {
      test("terminates TLS 1.2+ with the ACM certificate and redirects HTTP to HTTPS", () => {
        const a = ingress().metadata.annotations;
        expect(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"])).toEqual([
          { HTTP: 80 },
          { HTTPS: 443 },
        ]);
        expect(a["alb.ingress.kubernetes.io/ssl-redirect"]).toBe("443");
        expect(a["alb.ingress.kubernetes.io/certificate-arn"]).toBe(CERTIFICATE_ARN);
        expect(a["alb.ingress.kubernetes.io/ssl-policy"]).toMatch(/^ELBSecurityPolicy-TLS13-1-2-/);
      });
    } else {
      test("serves plain HTTP only because the dev stack explicitly allows it", () => {
        const a = ingress().metadata.annotations;
        expect(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"])).toEqual([{ HTTP: 80 }]);
        expect(a["alb.ingress.kubernetes.io/certificate-arn"]).toBeUndefined();
      });
    }

    test("installs the pinned AWS Load Balancer Controller chart for this cluster and VPC", () => {
      const release = b().stack.one("kubernetes:helm.sh/v3:Release").inputs;
      expect(release).toMatchObject({
        chart: "aws-load-balancer-controller",
        version: "1.13.0",
        namespace: "kube-system",
        repositoryOpts: { repo: "https://aws.github.io/eks-charts" },
      });
      expect(release.values).toMatchObject({
        clusterName: `clinical-inference-${kind}`,
        region: "us-east-1",
        vpcId: "vpc-0123456789abcdef0",
        serviceAccount: { create: true, name: "aws-load-balancer-controller" },
      });
      const role = b().stack.one("aws:iam/role:Role", "alb-controller");
      expect(release.values.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toBe(role.state.arn);
    });

    test("gives the controller an IRSA role only kube-system:aws-load-balancer-controller can assume", () => {
      const trust = parsePolicy(b().stack.one("aws:iam/role:Role", "alb-controller").inputs.assumeRolePolicy);
      expect(trust.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Federated: OIDC_PROVIDER_ARN },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${OIDC_ISSUER_HOST}:sub`]: "system:serviceaccount:kube-system:aws-load-balancer-controller",
              [`${OIDC_ISSUER_HOST}:aud`]: "sts.amazonaws.com",
            },
          },
        },
      ]);
    });

    test("attaches the controller's published IAM policy for that chart version to the role", () => {
      const policy = b().stack.one("aws:iam/policy:Policy", "alb-controller");
      const committed = readFileSync(
        path.join(__dirname, "..", "components", "policies", "aws-load-balancer-controller-v2.13.0.json"),
        "utf8",
      );
      expect(parsePolicy(policy.inputs.policy)).toEqual(JSON.parse(committed));
      const attachment = b().stack.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "alb-controller");
      expect(attachment.inputs.policyArn).toBe(policy.state.arn);
      expect(attachment.inputs.role).toBe(b().stack.one("aws:iam/role:Role", "alb-controller").state.name);
    });
  });

  describe("observability", () => {
    test("annotates both pod templates for Prometheus scraping on their metrics ports", () => {
      for (const [deployment, port] of [
        [gateway(), "metrics"],
        [triton(), "metrics"],
      ] as const) {
        const a = deployment.spec.template.metadata.annotations;
        expect(a["prometheus.io/scrape"]).toBe("true");
        expect(a["prometheus.io/path"]).toBe("/metrics");
        expect(Number(a["prometheus.io/port"])).toBe(
          portNumber(deployment.spec.template.spec.containers[0], port),
        );
      }
    });

    if (kind === "prod") {
      test("creates ServiceMonitors whose selectors and ports match the gateway and Triton Services", () => {
        for (const name of ["gateway", "triton"]) {
          const monitor = b().manifest("ServiceMonitor", name, name);
          expect(monitor.apiVersion).toBe("monitoring.coreos.com/v1");
          const svc = b().manifest("Service", name, name);
          expect(selectorMatches(monitor.spec.selector, svc.metadata.labels)).toBe(true);
          expect(svc.spec.ports.map((p: Manifest) => p.name)).toContain(monitor.spec.endpoints[0].port);
        }
      });
    } else {
      test("creates no ServiceMonitor when the stack does not enable them", () => {
        expect(b().manifests("ServiceMonitor")).toEqual([]);
      });
    }
  });

  describe("outputs", () => {
    test("expose the gateway URL from the ALB hostname, the Triton URL and the namespaces", async () => {
      const w = b().workloads;
      expect(await b().resolve(w.gatewayUrl)).toBe(`${kind === "prod" ? "https" : "http"}://${ALB_HOSTNAME}`);
      expect(await b().resolve(w.tritonUrl)).toBe("http://triton.triton.svc.cluster.local:8000");
      expect(await b().resolve(w.namespaceNames.gateway)).toBe("gateway");
      expect(await b().resolve(w.namespaceNames.triton)).toBe("triton");
      expect(w.jwtIssuer).toBe(`urn:clinical-inference-platform:${kind}`);
      // Generation 1 publishes the current and the next signing key (rotation window).
      expect(JSON.parse((await b().resolve(w.jwks)) as string).keys).toHaveLength(2);
    });
  });
});

test("ALB traffic is admitted from the public subnets passed in, not the whole VPC", async () => {
  const policy = (built.prod as Built).manifest("NetworkPolicy", "allow-alb-to-gateway", "gateway");
  expect(policy.spec.ingress[0].from).toEqual(ALB_SUBNET_CIDRS.map((cidr) => ({ ipBlock: { cidr } })));
});
