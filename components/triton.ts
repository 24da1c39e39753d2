import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackModelVariant } from "../triton-models/tools/model-config/variants";
import { sha256Hex } from "./jwt-keys";
import { selectorLabels, standardLabels } from "./labels";
import { POOL_LABEL_KEY } from "./node-pools";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./pod-security";
import {
  clusterIpService,
  containerPorts,
  httpProbe,
  onePodDisruptionBudget,
  prometheusScrapeAnnotations,
  spreadAcross,
} from "./workload-builders";

/**
 * NVIDIA Triton Inference Server on the GPU pool, reachable only inside the cluster.
 *
 * Model control is `explicit` with `--load-model`: each pod loads exactly the configured model once at start
 * and never reacts to later changes in S3. (`poll` would make every running pod reload the same new files at
 * the same moment, which is not a rolling update and cannot be rolled back per pod.) A model change is instead
 * a change of the pod template's checksum annotation, so Kubernetes replaces pods one at a time and only
 * sends traffic to a new pod once strict readiness says the model is loaded (see tritonRolloutStrategy).
 */

/** The GPU pool's taint and label, set by the AWS layer's GPU node group. */
export const GPU_TAINT = { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" } as const;
export const GPU_NODE_LABEL = { key: "nvidia.com/gpu.present", value: "true" } as const;
/** The untainted CPU pool (components/node-pools.ts) where the CPU int8 model runs. */
export const CPU_POOL_SELECTOR = { [POOL_LABEL_KEY]: "system" } as const;
export const TRITON_PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;
export const TRITON_UID = 1000;

/** Shutdown timing: the pod leaves Service endpoints during preStop, then Triton drains in-flight work. */
export const TRITON_PRESTOP_SLEEP_S = 15;
export const TRITON_EXIT_TIMEOUT_S = 30;
export const TRITON_GRACE_S = 60;
/** Model load plus a TensorRT engine build on a T4 can take several minutes: allow 15. */
export const TRITON_STARTUP = { periodSeconds: 10, failureThreshold: 90 } as const;

export interface TritonArgs {
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  /** Pinned nvcr.io/nvidia/tritonserver:<yy.mm>-py3 (validated by components/config.ts). */
  image: string;
  replicas: number;
  /** KEDA owns the count (components/autoscaling.ts): no replicas field, so `pulumi up` never resets it. */
  autoscaled?: boolean;
  /** GPUs in the pool; decides whether a rollout may surge (tritonRolloutStrategy). */
  gpuCapacity: number;
  serviceAccountName: string;
  /** IAM role (IRSA) allowed to read the model bucket; trusted for exactly namespace/serviceAccountName. */
  roleArn: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** s3://<bucket>/<prefix>: Triton's --model-repository (ModelRepository.repositoryUri). */
  repositoryUri: pulumi.Input<string>;
  modelName: string;
  /** Version directory the gateway pins (MODEL_VERSION). */
  modelVersion: string;
  /**
   * The model's config.pbtxt as uploaded to the repository (batch size and TensorRT settings included);
   * part of the rollout checksum.
   */
  modelConfig: pulumi.Input<string>;
  /** Memory-backed /dev/shm size (Python backend and large tensors use it). Default "1Gi". */
  shmSize?: string;
  resources?: { cpu: string; memory: string; memoryLimit: string };
  /** What must exist before pods start, e.g. the uploaded model repository and the GPU node group. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Stack config tritonModelVariant: cpu-int8 runs KIND_CPU instances, so the pods ask for no GPU. Default gpu. */
  modelVariant?: StackModelVariant;
}

/**
 * Where Triton's pods run and what they ask for: the GPU model on the tainted GPU pool with one GPU each; the
 * CPU int8 model on the CPU pool, with no GPU toleration (it must never hold a GPU node up) and no GPU request.
 */
export function tritonPlacement(variant: StackModelVariant, resources: TritonArgs["resources"]) {
  const requests = { cpu: resources?.cpu ?? "2", memory: resources?.memory ?? "6Gi" };
  const limits = { memory: resources?.memoryLimit ?? "12Gi" };
  if (variant === "cpu-int8") {
    return { scheduling: { nodeSelector: { ...CPU_POOL_SELECTOR } }, resources: { requests, limits } };
  }
  const gpu = { "nvidia.com/gpu": "1" };
  return {
    scheduling: {
      tolerations: [{ ...GPU_TAINT, operator: "Equal" }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: GPU_NODE_LABEL.key, operator: "In", values: [GPU_NODE_LABEL.value] },
                ],
              },
            ],
          },
        },
      },
    },
    resources: { requests: { ...requests, ...gpu }, limits: { ...limits, ...gpu } },
  };
}

/**
 * One pod at a time. A surge pod needs a free GPU: with a spare one, the new pod starts before an old one
 * stops (no capacity lost). When every GPU already runs a replica (the default) nothing would ever schedule
 * the surge pod, so the rollout stops one old pod first: one replica's capacity is missing while the new one
 * loads its model, and the gateway's retries and circuit breaker carry that gap (docs/operations.md).
 */
export function tritonRolloutStrategy(replicas: number, gpuCapacity: number) {
  const spareGpu = replicas < gpuCapacity;
  return {
    type: "RollingUpdate",
    rollingUpdate: spareGpu ? { maxUnavailable: 0, maxSurge: 1 } : { maxUnavailable: 1, maxSurge: 0 },
  } as const;
}

export function tritonArgs(repositoryUri: string, modelName: string): string[] {
  return [
    `--model-repository=${repositoryUri}`,
    "--model-control-mode=explicit",
    `--load-model=${modelName}`,
    // A model that cannot load (a dev stack before model.onnx exists, a bad upload) leaves Triton up with the
    // model unavailable: live, not ready, so no traffic and no crash loop; the default would exit.
    "--exit-on-error=false",
    "--strict-readiness=true",
    `--exit-timeout-secs=${TRITON_EXIT_TIMEOUT_S}`,
    `--http-port=${TRITON_PORTS.http}`,
    `--grpc-port=${TRITON_PORTS.grpc}`,
    `--metrics-port=${TRITON_PORTS.metrics}`,
    "--allow-metrics=true",
    "--allow-gpu-metrics=true",
    "--log-format=ISO8601",
  ];
}

export class Triton extends pulumi.ComponentResource {
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  readonly pdb: k8s.policy.v1.PodDisruptionBudget;
  /** KServe v2 HTTP endpoint inside the cluster. */
  readonly url: pulumi.Output<string>;
  readonly podSelector: Record<string, string>;
  readonly serviceName = "triton";

  constructor(name: string, args: TritonArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:workloads:Triton", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const imageTag = args.image.split(":")[1] as string;
    const identity = { name: "triton", component: "inference-server" };
    const labels = standardLabels(identity);
    this.podSelector = selectorLabels(identity);
    const podLabels = { ...standardLabels({ ...identity, version: imageTag }) };

    this.serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: {
          name: args.serviceAccountName,
          namespace: args.namespace,
          labels,
          annotations: { "eks.amazonaws.com/role-arn": args.roleArn },
        },
      },
      child,
    );

    const variant = args.modelVariant ?? "gpu";
    const placement = tritonPlacement(variant, args.resources);
    const repositoryUri = pulumi.output(args.repositoryUri);
    const modelChecksum = pulumi
      .all([repositoryUri, args.modelConfig])
      .apply(([uri, config]) => sha256Hex(uri, args.modelName, args.modelVersion, config));
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: "triton", namespace: args.namespace, labels },
        spec: {
          ...(args.autoscaled ? {} : { replicas: args.replicas }),
          revisionHistoryLimit: 5,
          selector: { matchLabels: this.podSelector },
          // A CPU pod needs no free GPU to surge into.
          strategy: tritonRolloutStrategy(
            args.replicas,
            variant === "cpu-int8" ? Number.POSITIVE_INFINITY : args.gpuCapacity,
          ),
          template: {
            metadata: {
              labels: podLabels,
              annotations: {
                "clinical-inference/model-checksum": modelChecksum,
                "clinical-inference/model": `${args.modelName}:${args.modelVersion}`,
                ...prometheusScrapeAnnotations(TRITON_PORTS.metrics),
              },
            },
            spec: {
              serviceAccountName: this.serviceAccount.metadata.name,
              // No TRITON_* service-link variables in Triton's environment.
              enableServiceLinks: false,
              terminationGracePeriodSeconds: TRITON_GRACE_S,
              securityContext: restrictedPodSecurityContext(TRITON_UID),
              ...placement.scheduling,
              topologySpreadConstraints: [
                spreadAcross("topology.kubernetes.io/zone", "ScheduleAnyway", this.podSelector),
              ],
              containers: [
                {
                  name: "triton",
                  image: args.image,
                  imagePullPolicy: "IfNotPresent",
                  command: ["tritonserver"],
                  args: repositoryUri.apply((uri) => tritonArgs(uri, args.modelName)),
                  env: [
                    { name: "AWS_DEFAULT_REGION", value: args.region },
                    { name: "AWS_REGION", value: args.region },
                    // The web-identity exchange goes to sts.<region> (the VPC's STS endpoint), never global STS.
                    { name: "AWS_STS_REGIONAL_ENDPOINTS", value: "regional" },
                  ],
                  ports: containerPorts(TRITON_PORTS),
                  resources: placement.resources,
                  // The HTTP endpoints only answer once the model is loaded (and any TensorRT engine built).
                  startupProbe: httpProbe("/v2/health/live", { ...TRITON_STARTUP, timeoutSeconds: 5 }),
                  readinessProbe: httpProbe("/v2/health/ready", {
                    periodSeconds: 5,
                    timeoutSeconds: 3,
                    failureThreshold: 3,
                  }),
                  livenessProbe: httpProbe("/v2/health/live", {
                    periodSeconds: 10,
                    timeoutSeconds: 5,
                    failureThreshold: 6,
                  }),
                  // Keeps serving while endpoints controllers and kube-proxy drop the pod; then SIGTERM starts
                  // Triton's own drain, bounded by --exit-timeout-secs.
                  lifecycle: { preStop: { sleep: { seconds: TRITON_PRESTOP_SLEEP_S } } },
                  // Triton downloads the S3 repository to a local temp dir and TensorRT writes engine
                  // caches, so the root filesystem stays writable; nothing else in the pod is.
                  securityContext: restrictedContainerSecurityContext(TRITON_UID, {
                    readOnlyRootFilesystem: false,
                  }),
                  volumeMounts: [{ name: "dshm", mountPath: "/dev/shm" }],
                },
              ],
              volumes: [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: args.shmSize ?? "1Gi" } }],
            },
          },
        },
      },
      // Pulumi waits for the rollout; a first start with a TensorRT engine build outlasts the 10-minute default.
      { ...child, customTimeouts: { create: "30m", update: "30m" }, dependsOn: args.dependsOn },
    );

    const meta = { name: this.serviceName, namespace: args.namespace, labels };
    this.service = clusterIpService(
      `${name}-service`,
      meta,
      this.podSelector,
      TRITON_PORTS,
      // Pulumi waits for ready endpoints on a Service; the first Triton start can outlast the 10-minute default.
      { ...child, customTimeouts: { create: "30m", update: "30m" } },
    );
    this.pdb = onePodDisruptionBudget(`${name}-pdb`, meta, this.podSelector, child);

    this.url = pulumi.interpolate`http://${this.service.metadata.name}.${this.service.metadata.namespace}.svc.cluster.local:${TRITON_PORTS.http}`;
    this.registerOutputs({ url: this.url });
  }
}
