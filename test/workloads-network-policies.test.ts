/**
 * NetworkPolicy isolation, evaluated rather than string-compared: the policies the stack creates are run
 * through an implementation of NetworkPolicy semantics against the pods the Deployments will create (their
 * real template labels) and the namespaces' real labels.
 */
import { type Built, buildWorkloads, PRIVATE_SUBNET_CIDRS, S3_CIDRS } from "./support/workloads-fixture";
import {
  egressAllowed,
  ingressAllowed,
  ipv4InCidr,
  type Labels,
  type NetworkPolicyObject,
  type Pod,
  selectorMatches,
} from "./support/workloads-k8s-semantics";

let b: Built;
let policies: NetworkPolicyObject[];
let namespaces: Record<string, Labels>;
let gatewayPod: Pod;
let tritonPod: Pod;

/** The API server adds kubernetes.io/metadata.name to every namespace; nobody can set it to another name. */
const withNameLabel = (name: string, labels: Labels = {}): Labels => ({
  ...labels,
  "kubernetes.io/metadata.name": name,
});

beforeAll(async () => {
  b = await buildWorkloads("prod");
  policies = b.manifests("NetworkPolicy");
  namespaces = {
    monitoring: withNameLabel("monitoring"),
    tenant: withNameLabel("tenant", { team: "research" }),
    "kube-system": withNameLabel("kube-system"),
  };
  for (const ns of b.manifests("Namespace"))
    namespaces[ns.metadata.name] = withNameLabel(ns.metadata.name, ns.metadata.labels);
  const podOf = (name: string, ip: string): Pod => {
    const d = b.manifest("Deployment", name, name);
    const container = d.spec.template.spec.containers[0];
    return {
      namespace: d.metadata.namespace,
      labels: d.spec.template.metadata.labels,
      ip,
      namedPorts: Object.fromEntries(
        container.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]),
      ),
    };
  };
  // With the VPC CNI, pod IPs are VPC addresses.
  gatewayPod = podOf("gateway", "10.40.33.10");
  tritonPod = podOf("triton", "10.40.65.20");
});

const monitoringPod = (): Pod => ({
  namespace: "monitoring",
  labels: { "app.kubernetes.io/name": "prometheus" },
  ip: "10.40.34.5",
});
/** An ALB interface: the ALB lives in the public subnets (10.40.128.0/20 and up). */
const albAddress = "10.40.129.17";
const kubeDns = (): Pod => ({
  namespace: "kube-system",
  labels: { "k8s-app": "kube-dns" },
  ip: "10.40.50.2",
});

test("every workload namespace denies ingress by default", () => {
  for (const ns of ["gateway", "triton"]) {
    const denyAll = policies.filter(
      (p) =>
        p.metadata.namespace === ns &&
        Object.keys(p.spec.podSelector).length === 0 &&
        (p.spec.policyTypes ?? []).includes("Ingress") &&
        (p.spec.ingress ?? []).length === 0,
    );
    expect(denyAll).toHaveLength(1);
  }
});

test("every policy's pod selector selects at least one real workload pod", () => {
  for (const p of policies) {
    const pods = [gatewayPod, tritonPod].filter(
      (pod) => pod.namespace === p.metadata.namespace && selectorMatches(p.spec.podSelector, pod.labels),
    );
    expect([p.metadata.namespace, p.metadata.name, pods.length > 0]).toEqual([
      p.metadata.namespace,
      p.metadata.name,
      true,
    ]);
  }
});

test("the ALB (an address in a public subnet) reaches the gateway's API port", () => {
  expect(ingressAllowed(policies, namespaces, gatewayPod, { ip: albAddress }, 8080)).toBe(true);
});

test("a pod address in the private subnets cannot reach the gateway's API port directly", () => {
  const podAddress = "10.40.40.7";
  expect(PRIVATE_SUBNET_CIDRS.some((cidr) => ipv4InCidr(podAddress, cidr))).toBe(true);
  expect(ingressAllowed(policies, namespaces, gatewayPod, { ip: podAddress }, 8080)).toBe(false);
});

test("the ALB cannot reach the gateway's metrics port", () => {
  expect(ingressAllowed(policies, namespaces, gatewayPod, { ip: albAddress }, 9090)).toBe(false);
});

test("addresses outside the VPC cannot reach the gateway directly", () => {
  expect(ingressAllowed(policies, namespaces, gatewayPod, { ip: "203.0.113.9" }, 8080)).toBe(false);
});

test("the ALB cannot reach Triton on any port", () => {
  for (const port of [8000, 8001, 8002]) {
    expect(ingressAllowed(policies, namespaces, tritonPod, { ip: albAddress }, port)).toBe(false);
  }
});

test("gateway pods reach Triton on HTTP 8000 and gRPC 8001", () => {
  expect(ingressAllowed(policies, namespaces, tritonPod, { pod: gatewayPod }, 8000)).toBe(true);
  expect(ingressAllowed(policies, namespaces, tritonPod, { pod: gatewayPod }, 8001)).toBe(true);
});

test("gateway pods cannot reach Triton's metrics port", () => {
  expect(ingressAllowed(policies, namespaces, tritonPod, { pod: gatewayPod }, 8002)).toBe(false);
});

test("a pod that copies the gateway's labels in another namespace cannot reach Triton", () => {
  const impostor: Pod = { namespace: "tenant", labels: { ...gatewayPod.labels }, ip: "10.40.40.40" };
  expect(ingressAllowed(policies, namespaces, tritonPod, { pod: impostor }, 8000)).toBe(false);
});

test("another pod in the gateway namespace without the gateway's labels cannot reach Triton", () => {
  const sidecar: Pod = {
    namespace: "gateway",
    labels: { "app.kubernetes.io/name": "debug" },
    ip: "10.40.40.41",
  };
  expect(ingressAllowed(policies, namespaces, tritonPod, { pod: sidecar }, 8000)).toBe(false);
});

test("the monitoring namespace scrapes the gateway on 9090 and Triton on 8002 only", () => {
  expect(ingressAllowed(policies, namespaces, gatewayPod, { pod: monitoringPod() }, 9090)).toBe(true);
  expect(ingressAllowed(policies, namespaces, tritonPod, { pod: monitoringPod() }, 8002)).toBe(true);
  expect(ingressAllowed(policies, namespaces, tritonPod, { pod: monitoringPod() }, 8000)).toBe(false);
});

test("a namespace labelled to look like monitoring, but named otherwise, cannot scrape", () => {
  namespaces.fake = withNameLabel("fake", { "app.kubernetes.io/name": "monitoring", name: "monitoring" });
  const pod: Pod = { namespace: "fake", labels: {}, ip: "10.40.40.42" };
  expect(ingressAllowed(policies, namespaces, tritonPod, { pod }, 8002)).toBe(false);
});

test("pods from other namespaces cannot reach Triton at all", () => {
  const other: Pod = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ip: "10.40.50.1" };
  for (const port of [8000, 8001, 8002]) {
    expect(ingressAllowed(policies, namespaces, tritonPod, { pod: other }, port)).toBe(false);
  }
});

test("every workload namespace denies egress by default", () => {
  for (const ns of ["gateway", "triton"]) {
    const denyAll = policies.filter(
      (p) =>
        p.metadata.namespace === ns &&
        Object.keys(p.spec.podSelector).length === 0 &&
        (p.spec.policyTypes ?? []).includes("Egress") &&
        (p.spec.egress ?? []).length === 0,
    );
    expect(denyAll).toHaveLength(1);
  }
});

test("neither workload can reach the internet through NAT", () => {
  for (const pod of [gatewayPod, tritonPod]) {
    expect(egressAllowed(policies, namespaces, pod, { ip: "203.0.113.9" }, 443)).toBe(false);
    expect(egressAllowed(policies, namespaces, pod, { ip: "203.0.113.9" }, 80)).toBe(false);
  }
});

test("both workloads resolve names through kube-dns over UDP and TCP, and reach no other kube-system pod", () => {
  for (const pod of [gatewayPod, tritonPod]) {
    expect(egressAllowed(policies, namespaces, pod, { pod: kubeDns() }, 53, "UDP")).toBe(true);
    expect(egressAllowed(policies, namespaces, pod, { pod: kubeDns() }, 53, "TCP")).toBe(true);
    const other: Pod = {
      namespace: "kube-system",
      labels: { "k8s-app": "metrics-server" },
      ip: "10.40.50.3",
    };
    expect(egressAllowed(policies, namespaces, pod, { pod: other }, 53, "UDP")).toBe(false);
  }
});

test("the gateway's egress reaches Triton on 8000 and 8001 only", () => {
  expect(egressAllowed(policies, namespaces, gatewayPod, { pod: tritonPod }, 8000)).toBe(true);
  expect(egressAllowed(policies, namespaces, gatewayPod, { pod: tritonPod }, 8001)).toBe(true);
  expect(egressAllowed(policies, namespaces, gatewayPod, { pod: tritonPod }, 8002)).toBe(false);
});

test("Triton reaches S3 over HTTPS through the VPC endpoint's prefix list, and nothing else on it", () => {
  const s3Address = "52.216.8.1";
  expect(S3_CIDRS.some((cidr) => ipv4InCidr(s3Address, cidr))).toBe(true);
  expect(egressAllowed(policies, namespaces, tritonPod, { ip: s3Address }, 443)).toBe(true);
  expect(egressAllowed(policies, namespaces, tritonPod, { ip: s3Address }, 80)).toBe(false);
  expect(egressAllowed(policies, namespaces, gatewayPod, { ip: s3Address }, 443)).toBe(false);
});

test("Triton reaches the STS interface endpoint in the private subnets for its IRSA credentials", () => {
  expect(egressAllowed(policies, namespaces, tritonPod, { ip: "10.40.12.30" }, 443)).toBe(true);
});

test("without an external IdP the gateway has no HTTPS egress at all", () => {
  expect(egressAllowed(policies, namespaces, gatewayPod, { ip: "198.51.100.20" }, 443)).toBe(false);
});

test("with an external IdP the gateway reaches HTTPS outside the VPC for the JWKS, and nothing inside it", async () => {
  const external = await buildWorkloads("external");
  const externalPolicies: NetworkPolicyObject[] = external.manifests("NetworkPolicy");
  expect(egressAllowed(externalPolicies, namespaces, gatewayPod, { ip: "198.51.100.20" }, 443)).toBe(true);
  expect(egressAllowed(externalPolicies, namespaces, gatewayPod, { ip: "10.40.12.30" }, 443)).toBe(false);
  expect(egressAllowed(externalPolicies, namespaces, tritonPod, { ip: "198.51.100.20" }, 443)).toBe(false);
});
