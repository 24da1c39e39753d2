/**
 * A real Kubernetes control plane on loopback for one test file: etcd (Debian's etcd-server) with a temporary
 * data directory, kube-apiserver (RBAC, static tokens, Pod Security admission enforcing namespace labels,
 * service-account signing), kube-controller-manager (the controllers the stack's objects rely on), kube-scheduler
 * and kwok, which plays the kubelet for the simulated nodes. `stop()` ends every process and deletes the
 * directory; processes are also killed if the Jest worker dies (see processes.ts).
 */
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../../../bench/lib/servers/process";
import { controlPlaneBinaries } from "./binaries";
import { type Kubectl, kubectlFor } from "./kubectl";
import { createPki, LOOPBACK, type Pki, writeKubeconfig } from "./pki";
import { type ManagedProcess, startProcess, waitUntil } from "./processes";

/** The annotation that hands a Node to kwok (and only those: kwok never touches other nodes). */
export const KWOK_NODE_ANNOTATION = { key: "kwok.x-k8s.io/node", value: "fake" } as const;

/** What the stack's objects need from kube-controller-manager; nothing else runs, to spare the CPU. */
const CONTROLLERS = [
  "deployment-controller",
  "replicaset-controller",
  "disruption-controller",
  "horizontal-pod-autoscaler-controller",
  "daemonset-controller",
  // Removes the not-ready taint the API server puts on every new node once kwok reports it Ready.
  "node-lifecycle-controller",
  "garbage-collector-controller",
  "serviceaccount-controller",
];

const ADMISSION_PLUGINS = [
  "NamespaceLifecycle",
  "ServiceAccount",
  "PodSecurity",
  "Priority",
  "DefaultTolerationSeconds",
  "ResourceQuota",
];

/** Pod IPs kwok assigns: loopback, so even an accidental connection never leaves the machine. */
const POD_CIDR = "127.64.0.1/16";
const START_TIMEOUT_MS = 240_000;

export interface ControlPlane {
  server: string;
  kubectl: Kubectl;
  dir: string;
  /** Starts kwok; call it after the simulated nodes exist, so the scheduler only ever sees their real shape. */
  startNodes(): Promise<void>;
  stop(): Promise<void>;
}

export async function startControlPlane(): Promise<ControlPlane> {
  const bin = controlPlaneBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-control-plane-"));
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    for (const p of processes.reverse()) await p.stop();
    // K8S_KEEP_RUN_DIR=1 keeps the processes' logs (and etcd's data) for a post-mortem of a failed run.
    if (process.env.K8S_KEEP_RUN_DIR === "1") console.log(`control plane run directory kept: ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pki = createPki(path.join(dir, "pki"));
    const { etcdClient, etcdPeer, apiPort, kcmPort, schedulerPort } = await freePorts([
      "etcdClient",
      "etcdPeer",
      "apiPort",
      "kcmPort",
      "schedulerPort",
    ] as const);
    const log = (name: string) => path.join(dir, `${name}.log`);
    const start = (name: string, command: string, args: string[]) => {
      const p = startProcess(name, command, args, log(name));
      processes.push(p);
      return p;
    };

    const etcdUrl = `http://${LOOPBACK}:${etcdClient}`;
    const etcd = start("etcd", bin.etcd, [
      "--name=test",
      `--data-dir=${path.join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://${LOOPBACK}:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://${LOOPBACK}:${etcdPeer}`,
      `--initial-cluster=test=http://${LOOPBACK}:${etcdPeer}`,
    ]);
    await waitUntil("etcd /health", async () => (await fetch(`${etcdUrl}/health`)).ok, {
      process: etcd,
      timeoutMs: START_TIMEOUT_MS,
    });

    const server = `https://${LOOPBACK}:${apiPort}`;
    const apiserver = start("kube-apiserver", bin.kubeApiserver, [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${LOOPBACK}`,
      `--advertise-address=${LOOPBACK}`,
      `--secure-port=${apiPort}`,
      `--cert-dir=${path.join(dir, "apiserver-certs")}`,
      `--tls-cert-file=${pki.certFile}`,
      `--tls-private-key-file=${pki.keyFile}`,
      `--token-auth-file=${pki.tokenFile}`,
      "--authorization-mode=RBAC",
      `--enable-admission-plugins=${ADMISSION_PLUGINS.join(",")}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.serviceAccountPublicKeyFile}`,
      `--service-account-signing-key-file=${pki.serviceAccountKeyFile}`,
      "--service-cluster-ip-range=10.96.0.0/16",
      // EKS admits privileged containers; what refuses them in the workload namespaces is Pod Security.
      "--allow-privileged=true",
      "--profiling=false",
    ]);
    await waitUntil("kube-apiserver /readyz", () => httpsOk(`${server}/readyz`, pki, pki.admin.token), {
      process: apiserver,
      timeoutMs: START_TIMEOUT_MS,
    });

    const adminConfig = writeKubeconfig(path.join(dir, "admin.kubeconfig"), server, pki, pki.admin);
    const schedulerConfig = writeKubeconfig(
      path.join(dir, "scheduler.kubeconfig"),
      server,
      pki,
      pki.scheduler,
    );
    const serving = (port: number) => [
      `--bind-address=${LOOPBACK}`,
      `--secure-port=${port}`,
      `--tls-cert-file=${pki.certFile}`,
      `--tls-private-key-file=${pki.keyFile}`,
      "--leader-elect=false",
      "--profiling=false",
    ];
    const kcm = start("kube-controller-manager", bin.kubeControllerManager, [
      `--kubeconfig=${adminConfig}`,
      ...serving(kcmPort),
      `--controllers=${CONTROLLERS.join(",")}`,
      // kwok posts node status every 20-45 s (jittered), later still on a loaded machine; the default 50 s grace
      // would mark the nodes NotReady between beats and every pod on them not ready (Deployments unavailable,
      // rollouts that never finish), which a real kubelet's 10 s heartbeat never causes.
      "--node-monitor-grace-period=10m",
      `--service-account-private-key-file=${pki.serviceAccountKeyFile}`,
    ]);
    const scheduler = start("kube-scheduler", bin.kubeScheduler, [
      `--kubeconfig=${schedulerConfig}`,
      ...serving(schedulerPort),
    ]);
    await Promise.all([
      waitUntil(
        "kube-controller-manager /healthz",
        () => httpsOk(`https://${LOOPBACK}:${kcmPort}/healthz`, pki),
        {
          process: kcm,
          timeoutMs: START_TIMEOUT_MS,
        },
      ),
      waitUntil("kube-scheduler /readyz", () => httpsOk(`https://${LOOPBACK}:${schedulerPort}/readyz`, pki), {
        process: scheduler,
        timeoutMs: START_TIMEOUT_MS,
      }),
    ]);

    const kubectl = kubectlFor(bin.kubectl, adminConfig);
    return {
      server,
      kubectl,
      dir,
      async startNodes() {
        const kwok = start("kwok", bin.kwok, [
          `--kubeconfig=${adminConfig}`,
          "--manage-all-nodes=false",
          `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
          `--cidr=${POD_CIDR}`,
          `--node-ip=${LOOPBACK}`,
        ]);
        await waitUntil("every simulated node Ready", async () => allNodesReady(kubectl), {
          process: kwok,
          timeoutMs: START_TIMEOUT_MS,
        });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Free loopback ports, no two alike (the kernel may hand a just-released port out again). */
async function freePorts<K extends string>(names: readonly K[]): Promise<Record<K, number>> {
  const ports = new Set<number>();
  while (ports.size < names.length) ports.add(await freePort());
  const values = [...ports];
  return Object.fromEntries(names.map((name, i) => [name, values[i]])) as Record<K, number>;
}

async function allNodesReady(kubectl: Kubectl): Promise<boolean> {
  const nodes = await kubectl.getJson(["nodes"]);
  return (
    nodes.items.length > 0 &&
    // biome-ignore lint/suspicious/noExplicitAny: Node JSON
    nodes.items.every((n: any) =>
      // biome-ignore lint/suspicious/noExplicitAny: NodeCondition JSON
      n.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"),
    )
  );
}

function httpsOk(url: string, pki: Pki, token?: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      url,
      { ca: fs.readFileSync(pki.caFile), headers: token ? { authorization: `Bearer ${token}` } : {} },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    request.on("error", reject);
    request.setTimeout(5000, () => request.destroy(new Error(`${url} did not answer in 5 s`)));
  });
}
