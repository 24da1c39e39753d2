import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type GatewayAuthWiring, sha256Hex } from "./jwt-keys";
import { selectorLabels, standardLabels } from "./labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./pod-security";

/**
 * The gateway: the only workload reachable from outside (through the ALB), configured through the gateway's
 * environment contract. It authenticates, de-identifies and forwards to Triton inside the cluster.
 *
 * Shutdown is ordered so that no request is dropped: on termination the pod first sleeps in preStop while the
 * ALB (target-type ip) deregisters it and stops sending new requests, then SIGTERM makes the gateway drain
 * in-flight requests for at most SHUTDOWN_TIMEOUT_MS, all inside terminationGracePeriodSeconds.
 */

export const GATEWAY_PORTS = { http: 8080, metrics: 9090 } as const;
export const GATEWAY_UID = 10001;
export const GATEWAY_PRESTOP_SLEEP_S = 20;
export const GATEWAY_SHUTDOWN_TIMEOUT_MS = 25000;
export const GATEWAY_GRACE_S = 60;
export const GATEWAY_AUDIENCE = "clinical-inference";
export const DEID_KEY_MOUNT = { dir: "/etc/gateway/deid", file: "deid.key" } as const;

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
    if (
      !Number.isInteger(minReplicas) ||
      minReplicas < 1 ||
      !Number.isInteger(maxReplicas) ||
      maxReplicas < minReplicas
    ) {
      throw new Error(
        `gatewayMinReplicas/gatewayMaxReplicas must be whole numbers with 1 <= min <= max, got ${minReplicas}/${maxReplicas}`,
      );
    }
    if (!/^[1-9]\d*$/.test(args.modelVersion)) {
      throw new Error(
        `modelVersion must be a positive integer (Triton version directory), got "${args.modelVersion}"`,
      );
    }
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
        stringData: { [DEID_KEY_MOUNT.file]: deidKey.base64 },
      },
      child,
    );
    const checksum = pulumi.unsecret(
      pulumi.all([args.auth.checksum, deidKey.base64]).apply(([auth, deid]) => sha256Hex(auth, deid)),
    );

    const managedEnv: inputs.core.v1.EnvVar[] = [
      { name: "NODE_ENV", value: "production" },
      { name: "HOST", value: "0.0.0.0" },
      { name: "PORT", value: String(GATEWAY_PORTS.http) },
      { name: "METRICS_PORT", value: String(GATEWAY_PORTS.metrics) },
      { name: "JWT_AUDIENCE", value: GATEWAY_AUDIENCE },
      ...args.auth.env,
      { name: "BACKEND", value: "triton" },
      { name: "TRITON_URL", value: args.tritonUrl },
      { name: "MODEL_NAME", value: args.modelName },
      { name: "MODEL_VERSION", value: args.modelVersion },
      { name: "SHUTDOWN_TIMEOUT_MS", value: String(GATEWAY_SHUTDOWN_TIMEOUT_MS) },
      { name: "DEID_KEY_FILE", value: `${DEID_KEY_MOUNT.dir}/${DEID_KEY_MOUNT.file}` },
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

    const probe = (path: string) => ({ httpGet: { path, port: "http" } });
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
                "prometheus.io/scrape": "true",
                "prometheus.io/port": String(GATEWAY_PORTS.metrics),
                "prometheus.io/path": "/metrics",
              },
            },
            spec: {
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              terminationGracePeriodSeconds: GATEWAY_GRACE_S,
              securityContext: restrictedPodSecurityContext(GATEWAY_UID),
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "topology.kubernetes.io/zone",
                  whenUnsatisfiable: "DoNotSchedule",
                  labelSelector: { matchLabels: this.podSelector },
                  matchLabelKeys: ["pod-template-hash"],
                },
                {
                  maxSkew: 1,
                  topologyKey: "kubernetes.io/hostname",
                  whenUnsatisfiable: "ScheduleAnyway",
                  labelSelector: { matchLabels: this.podSelector },
                  matchLabelKeys: ["pod-template-hash"],
                },
              ],
              containers: [
                {
                  name: "gateway",
                  image: args.image,
                  imagePullPolicy: "IfNotPresent",
                  env,
                  ports: [
                    { name: "http", containerPort: GATEWAY_PORTS.http, protocol: "TCP" },
                    { name: "metrics", containerPort: GATEWAY_PORTS.metrics, protocol: "TCP" },
                  ],
                  resources: {
                    requests: {
                      cpu: args.resources?.cpu ?? "500m",
                      memory: args.resources?.memory ?? "256Mi",
                    },
                    limits: {
                      cpu: args.resources?.cpuLimit ?? "2",
                      memory: args.resources?.memoryLimit ?? "512Mi",
                    },
                  },
                  startupProbe: {
                    ...probe("/healthz"),
                    periodSeconds: 2,
                    failureThreshold: 30,
                    timeoutSeconds: 2,
                  },
                  readinessProbe: {
                    ...probe("/readyz"),
                    periodSeconds: 5,
                    failureThreshold: 2,
                    timeoutSeconds: 2,
                  },
                  livenessProbe: {
                    ...probe("/healthz"),
                    periodSeconds: 10,
                    failureThreshold: 3,
                    timeoutSeconds: 2,
                  },
                  lifecycle: { preStop: { sleep: { seconds: GATEWAY_PRESTOP_SLEEP_S } } },
                  securityContext: restrictedContainerSecurityContext(GATEWAY_UID, {
                    readOnlyRootFilesystem: true,
                  }),
                  volumeMounts: [
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "deid-key", mountPath: DEID_KEY_MOUNT.dir, readOnly: true },
                    ...args.auth.volumeMounts,
                  ],
                },
              ],
              volumes: [
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                {
                  name: "deid-key",
                  secret: { secretName: this.deidKeySecret.metadata.name, defaultMode: 0o440 },
                },
                ...args.auth.volumes,
              ],
            },
          },
        },
      },
      { ...child, dependsOn: args.dependsOn },
    );

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: this.serviceName, namespace: args.namespace, labels },
        spec: {
          type: "ClusterIP",
          selector: this.podSelector,
          ports: [
            { name: "http", port: GATEWAY_PORTS.http, targetPort: "http", protocol: "TCP" },
            { name: "metrics", port: GATEWAY_PORTS.metrics, targetPort: "metrics", protocol: "TCP" },
          ],
        },
      },
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

    this.pdb = new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { name: "gateway", namespace: args.namespace, labels },
        spec: {
          maxUnavailable: 1,
          selector: { matchLabels: this.podSelector },
          unhealthyPodEvictionPolicy: "AlwaysAllow",
        },
      },
      child,
    );
    this.registerOutputs({});
  }
}
