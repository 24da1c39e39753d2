/**
 * Triton's replicas follow its own queue time per request, with KEDA (pinned chart). KEDA owns Triton's HPA;
 * its behaviour block is where warm-up and slow scale-in are encoded (the gateway's HPA, on CPU plus requests
 * in flight through prometheus-adapter, is in components/gateway.ts):
 *
 * - Triton scales out by at most one replica per warm-up period. A new replica loads its model before it is
 *   Ready (startup probe) and lowers queue time only after that, so a shorter period would add replicas for
 *   a queue that help is already on its way to.
 * - Triton scales in only after the lower count has been recommended for the whole stabilization window, one
 *   replica at a time; a GPU node that empties then leaves after gpuNodeIdleMinutes (Karpenter).
 * - A Triton that may idle at zero (dev) is woken by the gateway's request rate, not by Triton's own metrics:
 *   at zero replicas Triton exports nothing, while the gateway (kept in rotation, components/gateway.ts)
 *   answers and counts the request that arrives meanwhile.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AutoscalingConfig } from "./config/autoscaling";
import { standardLabels } from "./labels";
import { POOL_LABEL_KEY } from "./node-pools";
import { GATEWAY_REQUESTS_METRIC } from "./prometheus";

export const KEDA_CHART_REPO = "https://kedacore.github.io/charts";
export const KEDA_NAMESPACE = "keda";
/** How often KEDA evaluates the triggers: also the worst-case delay before a first request wakes Triton. */
export const POLLING_INTERVAL_S = 15;

/** Average queue time per successful request over the last 2 minutes, in ms; empty (0) without traffic. */
export function tritonQueueTimeQuery(namespace: string, model: string): string {
  const sel = `{namespace="${namespace}",model="${model}"}`;
  return (
    `sum(rate(nv_inference_queue_duration_us${sel}[2m])) / 1000` +
    ` / (sum(rate(nv_inference_request_success${sel}[2m])) > 0)`
  );
}

/** The gateway's route templates whose requests need Triton (gateway/src/routes/inference.ts). */
export const MODEL_ROUTES = "/v1/sentiment(/batch)?";
/** Statuses of requests refused before any work (bad or missing token): they must not wake a GPU. */
export const UNAUTHENTICATED_STATUSES = "401|403";

/**
 * Whether authenticated clients asked the gateway for the model in the last 2 minutes: 1 if so, else 0.
 * Two parts, because rate() needs two samples of a series: a series that appeared in the window (a gateway
 * pod's first request with that route and status, e.g. the first 503 after idle) is counted by `unless
 * ... offset`, a growing one by rate(). Clamped to 1 so the trigger asks for one replica and never more.
 */
export function gatewayDemandQuery(namespace: string): string {
  const series = `${GATEWAY_REQUESTS_METRIC}{namespace="${namespace}",route=~"${MODEL_ROUTES}",status!~"${UNAUTHENTICATED_STATUSES}"}`;
  return (
    `clamp_max((sum(rate(${series}[2m])) or vector(0))` +
    ` + (count(${series} unless ${series} offset 2m) or vector(0)), 1)`
  );
}

export interface AutoscalingArgs {
  provider: k8s.Provider;
  config: AutoscalingConfig;
  prometheusUrl: string;
  triton: {
    namespace: pulumi.Input<string>;
    deployment: pulumi.Input<string>;
    modelName: string;
    namespaceName: string;
  };
  /** Where the gateway's metrics come from (their `namespace` label). */
  gateway: { namespaceName: string };
  /** The Deployment (and Prometheus) must exist before its ScaledObject. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** KEDA's spec for Triton: queue-time trigger, optional working-hours floor, warm-up-aware behaviour. */
export function tritonScaledObjectSpec(args: AutoscalingArgs) {
  const t = args.config.triton;
  const triggers: Record<string, unknown>[] = [
    {
      type: "prometheus",
      name: "queue-time",
      // Value, not AverageValue: queue time is already per request, the HPA scales replicas by value/target.
      metricType: "Value",
      metadata: {
        serverAddress: args.prometheusUrl,
        query: tritonQueueTimeQuery(args.triton.namespaceName, args.triton.modelName),
        threshold: String(t.queueTargetMs),
        ignoreNullValues: "true",
      },
    },
  ];
  if (t.minReplicas === 0) {
    triggers.push({
      type: "prometheus",
      name: "gateway-demand",
      // AverageValue with target 1 on a 0/1 value: one replica while clients ask, never a second one.
      metricType: "AverageValue",
      metadata: {
        serverAddress: args.prometheusUrl,
        query: gatewayDemandQuery(args.gateway.namespaceName),
        threshold: "1",
        // Active (0 -> 1) on any demand; KEDA polls every pollingInterval.
        activationThreshold: "0",
      },
    });
  }
  if (t.workingHours) {
    triggers.push({
      type: "cron",
      name: "working-hours",
      metadata: { ...t.workingHours, desiredReplicas: "1" },
    });
  }
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.triton.deployment },
    minReplicaCount: t.minReplicas,
    maxReplicaCount: t.maxReplicas,
    pollingInterval: POLLING_INTERVAL_S,
    // Dev: a newly created ScaledObject does not take Triton to zero before its first replica has warmed up
    // (kedacore/keda#5008); after a wake, cooldownPeriod counts from the last demand instead.
    initialCooldownPeriod: t.warmupSeconds,
    // To zero (dev): every trigger inactive this long, i.e. no demand since the idle period began.
    cooldownPeriod: t.scaleInStabilizationSeconds,
    advanced: {
      horizontalPodAutoscalerConfig: {
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: "Max",
            policies: [{ type: "Pods", value: 1, periodSeconds: t.warmupSeconds }],
          },
          scaleDown: {
            stabilizationWindowSeconds: t.scaleInStabilizationSeconds,
            policies: [{ type: "Pods", value: 1, periodSeconds: t.scaleInStabilizationSeconds }],
          },
        },
      },
    },
    triggers,
  };
}

export class Autoscaling extends pulumi.ComponentResource {
  readonly keda: k8s.helm.v3.Release;

  constructor(name: string, args: AutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:workloads:Autoscaling", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    this.keda = new k8s.helm.v3.Release(
      `${name}-keda`,
      {
        name: "keda",
        chart: "keda",
        version: args.config.kedaChartVersion,
        repositoryOpts: { repo: KEDA_CHART_REPO },
        namespace: KEDA_NAMESPACE,
        createNamespace: true,
        values: { nodeSelector: { [POOL_LABEL_KEY]: "system" } },
      },
      child,
    );
    new k8s.apiextensions.CustomResource(
      `${name}-triton`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: {
          name: "triton",
          namespace: args.triton.namespace,
          labels: standardLabels({ name: "triton", component: "autoscaling" }),
        },
        spec: tritonScaledObjectSpec(args),
      },
      { ...child, dependsOn: [this.keda, ...(args.dependsOn ?? [])] },
    );
    this.registerOutputs({});
  }
}
