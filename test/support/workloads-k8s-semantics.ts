/**
 * Small, independent re-implementations of the Kubernetes matching rules the tests rely on, so a test can
 * compute whether a selector, NetworkPolicy, toleration or node affinity really matches instead of comparing
 * strings. They follow the API reference semantics (labels.Selector, NetworkPolicy, taints/tolerations).
 */

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}
export type Labels = Record<string, string>;

/** An empty selector ({}) matches everything; callers decide what an absent selector means. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    switch (req.operator) {
      case "In":
        if (!has || !(req.values ?? []).includes(value as string)) return false;
        break;
      case "NotIn":
        if (has && (req.values ?? []).includes(value as string)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${String(req.operator)}`);
    }
  }
  return true;
}

export function ipv4InCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split(".").reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const [base, bits] = cidr.split("/") as [string, string];
  const prefix = Number(bits);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return (toInt(ip) & mask) === (toInt(base) & mask);
}

export interface Pod {
  namespace: string;
  labels: Labels;
  ip: string;
  /** Container ports by name, to resolve named NetworkPolicy ports. */
  namedPorts?: Record<string, number>;
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
export interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyObject {
  metadata: { name: string; namespace: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: Array<{ from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>;
    egress?: Array<{ to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>;
  };
}

export type Source = { pod: Pod } | { ip: string };

/** A port rule list matches when absent or empty; a named port resolves through the pod that owns it. */
function portsMatch(
  ports: NetworkPolicyPort[] | undefined,
  port: number,
  protocol: string,
  namedPorts: Record<string, number> | undefined,
): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === "number" ? p.port : namedPorts?.[p.port];
    if (number === undefined) return false;
    return p.endPort === undefined ? number === port : port >= number && port <= p.endPort;
  });
}

/** A peer without a namespaceSelector means the policy's own namespace; an ipBlock matches addresses only. */
function peerMatches(
  peer: NetworkPolicyPeer,
  policyNamespace: string,
  remote: Source,
  namespaceLabels: Record<string, Labels>,
): boolean {
  const remoteIp = "pod" in remote ? remote.pod.ip : remote.ip;
  if (peer.ipBlock) {
    return (
      ipv4InCidr(remoteIp, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((cidr) => ipv4InCidr(remoteIp, cidr))
    );
  }
  if (!("pod" in remote)) return false;
  const pod = remote.pod;
  const nsOk = peer.namespaceSelector
    ? selectorMatches(peer.namespaceSelector, namespaceLabels[pod.namespace] ?? {})
    : pod.namespace === policyNamespace;
  const podOk = peer.podSelector ? selectorMatches(peer.podSelector, pod.labels) : true;
  return nsOk && podOk;
}

/**
 * One direction of NetworkPolicy: `local` is the pod the policies select, `remote` the other end. A pod no
 * policy of that direction selects is not isolated; an isolated one is allowed what some rule allows.
 */
function directionAllows(
  direction: "Ingress" | "Egress",
  policies: NetworkPolicyObject[],
  namespaceLabels: Record<string, Labels>,
  local: Pod,
  remote: Source,
  port: number,
  protocol: string,
  namedPorts: Record<string, number> | undefined,
): boolean {
  // An absent policyTypes counts as Ingress only (Kubernetes would add Egress for a policy with egress rules).
  const defaultTypes = direction === "Ingress" ? ["Ingress"] : [];
  const isolating = policies.filter(
    (p) =>
      p.metadata.namespace === local.namespace &&
      (p.spec.policyTypes ?? defaultTypes).includes(direction) &&
      selectorMatches(p.spec.podSelector, local.labels),
  );
  if (isolating.length === 0) return true;
  return isolating.some((policy) => {
    const rules =
      direction === "Ingress"
        ? (policy.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
        : (policy.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
    return rules.some(
      (rule) =>
        portsMatch(rule.ports, port, protocol, namedPorts) &&
        (rule.peers === undefined ||
          rule.peers.length === 0 ||
          rule.peers.some((peer) => peerMatches(peer, policy.metadata.namespace, remote, namespaceLabels))),
    );
  });
}

/**
 * Whether `source` may open a connection to `destination` on `port`/`protocol` under the egress rules of
 * its namespace (the destination's own ingress policies are a separate check: ingressAllowed).
 */
export function egressAllowed(
  policies: NetworkPolicyObject[],
  namespaceLabels: Record<string, Labels>,
  source: Pod,
  destination: Source,
  port: number,
  protocol = "TCP",
): boolean {
  const namedPorts = "pod" in destination ? destination.pod.namedPorts : undefined;
  return directionAllows(
    "Egress",
    policies,
    namespaceLabels,
    source,
    destination,
    port,
    protocol,
    namedPorts,
  );
}

/**
 * Whether `source` may open a TCP connection to `target` on `port` under the given policies.
 * `namespaceLabels` maps every namespace to its labels (including kubernetes.io/metadata.name).
 */
export function ingressAllowed(
  policies: NetworkPolicyObject[],
  namespaceLabels: Record<string, Labels>,
  target: Pod,
  source: Source,
  port: number,
): boolean {
  return directionAllows(
    "Ingress",
    policies,
    namespaceLabels,
    target,
    source,
    port,
    "TCP",
    target.namedPorts,
  );
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}
export interface Toleration {
  key?: string;
  operator?: "Equal" | "Exists";
  value?: string;
  effect?: string;
}

/** core/v1 Toleration.ToleratesTaint */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (!toleration.key && toleration.operator !== "Exists") return false;
  if ((toleration.operator ?? "Equal") === "Exists") return true;
  return (toleration.value ?? "") === (taint.value ?? "");
}

/** Whether a pod with these tolerations may schedule onto a node with these NoSchedule/NoExecute taints. */
export function toleratesAll(tolerations: Toleration[], taints: Taint[]): boolean {
  return taints
    .filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute")
    .every((taint) => tolerations.some((tol) => tolerates(tol, taint)));
}

interface NodeSelectorTerm {
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** requiredDuringSchedulingIgnoredDuringExecution: the terms are ORed, expressions within a term ANDed. */
export function nodeAffinityMatches(terms: NodeSelectorTerm[], nodeLabels: Labels): boolean {
  return terms.some((term) =>
    selectorMatches(
      { matchExpressions: (term.matchExpressions ?? []) as LabelSelectorRequirement[] },
      nodeLabels,
    ),
  );
}
