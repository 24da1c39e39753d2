/**
 * What the cluster did with the stack's workloads, read back through the API: which pods exist and where they
 * run, whether a Deployment's rollout finished, and why a pod is Pending (the scheduler's own message).
 * Waits end on a state the control plane reports, never on elapsed time alone; the timeouts only bound a
 * hang and then say what was still pending.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Kubectl } from "./kubectl";

// biome-ignore lint/suspicious/noExplicitAny: API objects are free-form JSON
type Json = any;

export interface PodPlacement {
  namespace: string;
  name: string;
  owner: string;
  node: string | undefined;
  /** The scheduler's verdict: "True", or the Unschedulable message; undefined before its first attempt. */
  scheduled: true | string | undefined;
}

function placement(pod: Json): PodPlacement {
  const condition = (pod.status?.conditions ?? []).find((c: Json) => c.type === "PodScheduled");
  const owner = pod.metadata.ownerReferences?.[0];
  return {
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    owner: owner ? `${owner.kind}/${owner.name}` : "none",
    node: pod.spec.nodeName,
    scheduled:
      condition === undefined
        ? undefined
        : condition.status === "True"
          ? true
          : `${condition.reason}: ${condition.message}`,
  };
}

/** Pods (all namespaces, or one) that are not being deleted. */
export async function pods(kubectl: Kubectl, namespace?: string, selector?: string): Promise<PodPlacement[]> {
  const scope = namespace ? ["-n", namespace] : ["--all-namespaces"];
  const list = await kubectl.getJson(["pods", ...scope, ...(selector ? ["-l", selector] : [])]);
  return list.items.filter((p: Json) => !p.metadata.deletionTimestamp).map(placement);
}

/** The refusal a ReplicaSet or DaemonSet reports when it cannot create its pods (e.g. Pod Security). */
async function creationFailures(kubectl: Kubectl): Promise<string[]> {
  const sets = await kubectl.getJson(["replicasets,daemonsets", "--all-namespaces"]);
  const failures: string[] = [];
  for (const set of sets.items) {
    for (const c of set.status?.conditions ?? []) {
      if (c.type === "ReplicaFailure" && c.status === "True") {
        failures.push(`${set.kind} ${set.metadata.namespace}/${set.metadata.name}: ${c.message}`);
      }
    }
  }
  return failures;
}

/** Whether every Deployment and DaemonSet has created all the pods it wants (fresh status, not a stale one). */
async function controllersCaughtUp(kubectl: Kubectl): Promise<boolean> {
  const list = await kubectl.getJson(["deployments,replicasets,daemonsets", "--all-namespaces"]);
  return list.items.every((o: Json) => {
    const fresh = (o.status?.observedGeneration ?? 0) >= o.metadata.generation;
    if (o.kind === "DaemonSet")
      return fresh && o.status.desiredNumberScheduled === o.status.currentNumberScheduled;
    return fresh && (o.status?.replicas ?? 0) >= (o.spec.replicas ?? 1);
  });
}

/**
 * Waits until every controller has created its pods and the scheduler has decided on each of them, then
 * returns the placements. A pod the API refused to create fails at once with the refusal.
 */
export async function settledPods(kubectl: Kubectl, timeoutMs = 120_000): Promise<PodPlacement[]> {
  const deadline = Date.now() + timeoutMs;
  let last: PodPlacement[] = [];
  while (Date.now() < deadline) {
    const failures = await creationFailures(kubectl);
    if (failures.length > 0) throw new Error(`pods were refused by the API server:\n${failures.join("\n")}`);
    last = await pods(kubectl);
    if ((await controllersCaughtUp(kubectl)) && last.every((p) => p.scheduled !== undefined)) return last;
    await sleep(500);
  }
  throw new Error(`pods still waiting for the scheduler after ${timeoutMs} ms:\n${describe(last)}`);
}

export function unscheduled(placements: PodPlacement[]): PodPlacement[] {
  return placements.filter((p) => p.scheduled !== true);
}

export function describe(placements: PodPlacement[]): string {
  return placements
    .map(
      (p) =>
        `${p.namespace}/${p.name} (${p.owner}) -> ${p.node ?? "-"} ${p.scheduled === true ? "" : (p.scheduled ?? "not tried yet")}`,
    )
    .join("\n");
}

/**
 * Waits for a Deployment's rollout to finish: every replica updated and available, no old pods left. On a
 * timeout the error carries the scheduler's reasons for every pod still pending.
 */
export async function waitForRollout(
  kubectl: Kubectl,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Json = {};
  while (Date.now() < deadline) {
    const d = await kubectl.getJson(["deployment", name, "-n", namespace]);
    const s = d.status ?? {};
    const want = d.spec.replicas ?? 1;
    last = { generation: d.metadata.generation, replicas: want, status: s };
    if (
      (s.observedGeneration ?? 0) >= d.metadata.generation &&
      s.updatedReplicas === want &&
      s.availableReplicas === want &&
      s.replicas === want
    ) {
      return;
    }
    await sleep(500);
  }
  const pending = unscheduled(await pods(kubectl, namespace));
  throw new Error(
    `rollout of deployment ${namespace}/${name} did not finish in ${timeoutMs} ms; pending pods:\n${describe(pending) || "(none)"}\n` +
      `pods not ready:\n${(await notReady(kubectl, namespace)) || "(none)"}\n` +
      `last seen: ${JSON.stringify(last)}`,
  );
}

/** Scheduled pods that are not Ready, with their node, phase and conditions: what a stalled rollout waits on. */
async function notReady(kubectl: Kubectl, namespace: string): Promise<string> {
  const list = await kubectl.getJson(["pods", "-n", namespace]);
  return list.items
    .filter(
      (p: Json) =>
        p.spec.nodeName &&
        !(p.status?.conditions ?? []).some((c: Json) => c.type === "Ready" && c.status === "True"),
    )
    .map((p: Json) => {
      const conditions = (p.status?.conditions ?? []).map(
        (c: Json) => `${c.type}=${c.status}${c.reason ? `(${c.reason})` : ""}`,
      );
      const deleting = p.metadata.deletionTimestamp ? ` deleting since ${p.metadata.deletionTimestamp}` : "";
      return `${p.metadata.name} on ${p.spec.nodeName}: phase ${p.status?.phase ?? "-"}${deleting}; ${conditions.join(" ") || "no conditions"}`;
    })
    .join("\n");
}

/** `kubectl drain`: cordon, then evict every pod through the eviction API, retrying while a PDB refuses. */
export function drain(kubectl: Kubectl, node: string, timeoutSeconds: number): Promise<string> {
  return kubectl.run([
    "drain",
    node,
    "--ignore-daemonsets",
    "--delete-emptydir-data",
    `--timeout=${timeoutSeconds}s`,
  ]);
}
