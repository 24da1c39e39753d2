import {
  type BACKEND_KINDS,
  DEFAULT_AUDIENCE,
  DEFAULT_HOST,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  GATEWAY_ENV as E,
  GATEWAY_PORTS,
  MOUNTS,
  mountedPath,
  PRODUCTION_NODE_ENV,
} from "@clinical-inference/gateway/deployment-contract";
import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type GatewayAuthWiring, SECRET_FILE_MODE, sha256Hex } from "./jwt-keys";
import { selectorLabels, standardLabels } from "./labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./pod-security";
import { GATEWAY_INFLIGHT_METRIC } from "./prometheus";
import { GATEWAY_CPU_REQUEST_MILLICORES } from "./system-capacity";
import {
  clusterIpService,
  containerPorts,
  httpProbe,
  onePodDisruptionBudget,
  prometheusScrapeAnnotations,
  spreadAcross,
} from "./workload-builders";

/**
 * The gateway: the only workload reachable from outside (through the ALB), configured through the gateway's
 * environment contract. It authenticates, de-identifies and forwards to Triton inside the cluster.
 *
 * Shutdown is ordered so that no request is dropped: on termination the pod first sleeps in preStop while the
 * ALB (target-type ip) deregisters it and stops sending new requests, then SIGTERM makes the gateway drain
 * in-flight requests for at most SHUTDOWN_TIMEOUT_MS, all inside terminationGracePeriodSeconds.
 */

export { GATEWAY_PORTS };
export const GATEWAY_UID = 10001;
export const GATEWAY_PRESTOP_SLEEP_S = 20;
export const GATEWAY_GRACE_S = 60;

export interface GatewayArgs {
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  /** Full image reference: `<ECR repository URL>:<tag>`. */
  image: pulumi.Input<string>;
  /** The tag alone, for the app.kubernetes.io/version label. */
  imageTag: string;
  minReplicas: number;
  maxReplicas: number;
  /** KServe v2 HTTP URL of Triton inside the cluster. */
  tritonUrl: pulumi.Input<string>;
  modelName: string;
  modelVersion: string;
  auth: GatewayAuthWiring;
  /** Target average CPU utilisation (percent of requests) for the HPA; default 70. */
  targetCpuUtilization?: number;
  /** Backend requests in flight per pod the HPA holds to (a Pods metric served by prometheus-adapter). */
  targetInflightRequests?: number;
  /**
   * Triton may be at zero replicas (dev, tritonMinReplicas 0). /readyz fails while Triton is away, and the
   * ALB only sends requests to ready pods, so the first request after idle would be refused by the ALB and
   * never counted by the gateway, whose request rate is what wakes Triton (components/autoscaling.ts).
   * Readiness then follows /healthz; a request meanwhile gets the gateway's 503 with Retry-After.
   */
  backendScalesToZero?: boolean;
  resources?: { cpu: string; memory: string; cpuLimit: string; memoryLimit: string };
  /** Extra gateway settings (e.g. LOG_LEVEL, RATE_LIMIT_RPS); may not override the ones this component owns. */
  extraEnv?: Record<string, string>;
  /** Resources the Deployment must wait for (the ALB controller's webhook, Triton). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class Gateway extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  readonly hpa: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  readonly pdb: k8s.policy.v1.PodDisruptionBudget;
  readonly deidKeySecret: k8s.core.v1.Secret;
  readonly podSelector: Record<string, string>;
  readonly serviceName = "gateway";

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:workloads:Gateway", name, {}, opts);
    const { minReplicas, maxReplicas } = args;
    const child = { parent: this, provider: args.provider };
    const identity = { name: "gateway", component: "api-gateway" };
    const labels = standardLabels(identity);
    this.podSelector = selectorLabels(identity);

    // Keyed-hash / date-shift secret for de-identification: generated once and kept in state, so surrogates
    // and shifted dates stay consistent across restarts and replicas.
    const deidKey = new random.RandomBytes(`${name}-deid-key`, { length: 32 }, { parent: this });
    this.deidKeySecret = new k8s.core.v1.Secret(
      `${name}-deid-key`,
      {
        metadata: { name: "gateway-deid-key", namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { [MOUNTS.deidKey.file]: deidKey.base64 },
      },
      child,
    );
    const checksum = pulumi.unsecret(
      pulumi.all([args.auth.checksum, deidKey.base64]).apply(([auth, deid]) => sha256Hex(auth, deid)),
    );

    const managedEnv: inputs.core.v1.EnvVar[] = [
      { name: E.NODE_ENV, value: PRODUCTION_NODE_ENV },
      { name: E.HOST, value: DEFAULT_HOST },
      { name: E.PORT, value: String(GATEWAY_PORTS.http) },
      { name: E.METRICS_PORT, value: String(GATEWAY_PORTS.metrics) },
      { name: E.JWT_AUDIENCE, value: DEFAULT_AUDIENCE },
      ...args.auth.env,
      { name: E.BACKEND, value: "triton" satisfies (typeof BACKEND_KINDS)[number] },
      { name: E.TRITON_URL, value: args.tritonUrl },
      { name: E.MODEL_NAME, value: args.modelName },
      { name: E.MODEL_VERSION, value: args.modelVersion },
      // Stated although it is the gateway's default: terminationGracePeriodSeconds is sized around it.
      { name: E.SHUTDOWN_TIMEOUT_MS, value: String(DEFAULT_SHUTDOWN_TIMEOUT_MS) },
      { name: E.DEID_KEY_FILE, value: mountedPath(MOUNTS.deidKey) },
    ];
    const managedNames = new Set(managedEnv.map((e) => e.name as string));
    for (const key of Object.keys(args.extraEnv ?? {})) {
      if (managedNames.has(key)) {
        throw new Error(`gateway extraEnv may not set ${key}: the workloads layer manages it`);
      }
    }
    const env = [
      ...managedEnv,
      ...Object.entries(args.extraEnv ?? {}).map(([name, value]) => ({ name, value })),
    ];

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: "gateway", namespace: args.namespace, labels },
        spec: {
          // No replicas field: the HPA owns the count. Setting it here would make every `pulumi up` (a
          // server-side apply) reset the autoscaler's choice; the HPA raises the initial 1 to minReplicas.
          revisionHistoryLimit: 5,
          selector: { matchLabels: this.podSelector },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
          template: {
            metadata: {
              labels: standardLabels({ ...identity, version: args.imageTag }),
              annotations: {
                "clinical-inference/auth-checksum": checksum,
                ...prometheusScrapeAnnotations(GATEWAY_PORTS.metrics),
              },
            },
            spec: {
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              terminationGracePeriodSeconds: GATEWAY_GRACE_S,
              securityContext: restrictedPodSecurityContext(GATEWAY_UID),
              topologySpreadConstraints: [
                spreadAcross("topology.kubernetes.io/zone", "DoNotSchedule", this.podSelector),
                spreadAcross("kubernetes.io/hostname", "ScheduleAnyway", this.podSelector),
              ],
              containers: [
                {
                  name: "gateway",
                  image: args.image,
                  imagePullPolicy: "IfNotPresent",
                  env,
                  ports: containerPorts(GATEWAY_PORTS),
                  resources: {
                    requests: {
                      cpu: args.resources?.cpu ?? `${GATEWAY_CPU_REQUEST_MILLICORES}m`,
                      memory: args.resources?.memory ?? "256Mi",
                    },
                    limits: {
                      cpu: args.resources?.cpuLimit ?? "2",
                      memory: args.resources?.memoryLimit ?? "512Mi",
                    },
                  },
                  startupProbe: httpProbe("/healthz", {
                    periodSeconds: 2,
                    failureThreshold: 30,
                    timeoutSeconds: 2,
                  }),
                  readinessProbe: httpProbe(args.backendScalesToZero ? "/healthz" : "/readyz", {
                    periodSeconds: 5,
                    failureThreshold: 2,
                    timeoutSeconds: 2,
                  }),
                  livenessProbe: httpProbe("/healthz", {
                    periodSeconds: 10,
                    failureThreshold: 3,
                    timeoutSeconds: 2,
                  }),
                  lifecycle: { preStop: { sleep: { seconds: GATEWAY_PRESTOP_SLEEP_S } } },
                  securityContext: restrictedContainerSecurityContext(GATEWAY_UID, {
                    readOnlyRootFilesystem: true,
                  }),
                  volumeMounts: [
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "deid-key", mountPath: MOUNTS.deidKey.dir, readOnly: true },
                    ...args.auth.volumeMounts,
                  ],
                },
              ],
              volumes: [
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                {
                  name: "deid-key",
                  secret: { secretName: this.deidKeySecret.metadata.name, defaultMode: SECRET_FILE_MODE },
                },
                ...args.auth.volumes,
              ],
            },
          },
        },
      },
      { ...child, dependsOn: args.dependsOn },
    );

    const meta = { name: this.serviceName, namespace: args.namespace, labels };
    this.service = clusterIpService(
      `${name}-service`,
      meta,
      this.podSelector,
      GATEWAY_PORTS,
      // Pulumi waits for ready endpoints, and gateway pods only start once Triton is ready (up to 30 minutes).
      { ...child, customTimeouts: { create: "40m", update: "40m" } },
    );

    this.hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-hpa`,
      {
        metadata: { name: "gateway", namespace: args.namespace, labels },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.deployment.metadata.name },
          minReplicas,
          maxReplicas,
          metrics: [
            {
              type: "Resource",
              resource: {
                name: "cpu",
                target: { type: "Utilization", averageUtilization: args.targetCpuUtilization ?? 70 },
              },
            },
            ...(args.targetInflightRequests === undefined
              ? []
              : [
                  {
                    type: "Pods",
                    pods: {
                      metric: { name: GATEWAY_INFLIGHT_METRIC },
                      target: { type: "AverageValue", averageValue: String(args.targetInflightRequests) },
                    },
                  },
                ]),
          ],
          behavior: {
            // Scale out fast on bursts; scale in slowly so a dip does not drain pods that are needed again.
            scaleUp: {
              stabilizationWindowSeconds: 0,
              policies: [{ type: "Percent", value: 100, periodSeconds: 30 }],
            },
            scaleDown: {
              stabilizationWindowSeconds: 300,
              policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
            },
          },
        },
      },
      child,
    );

    this.pdb = onePodDisruptionBudget(`${name}-pdb`, meta, this.podSelector, child);
    this.registerOutputs({});
  }
}
