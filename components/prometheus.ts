/**
 * Metrics inside the cluster: kube-prometheus-stack (Prometheus Operator, Prometheus, Grafana) from a pinned
 * chart. Prometheus selects every ServiceMonitor in the cluster (the gateway's and Triton's included), and
 * Grafana's sidecar loads each ConfigMap labelled grafana_dashboard, here the committed inference dashboard.
 * prometheus-adapter (same repository, pinned) serves the gateway's in-flight gauge to its HPA.
 * Self-hosted rather than Amazon Managed Prometheus: KEDA's scaler queries it in-cluster with no SigV4 proxy,
 * nothing leaves the VPC, and the same ServiceMonitors work unchanged (docs/operations.md).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { standardLabels } from "./labels";
import { POOL_LABEL_KEY } from "./node-pools";

export const PROMETHEUS_RELEASE = "kube-prometheus-stack";
export const PROMETHEUS_CHART_REPO = "https://prometheus-community.github.io/helm-charts";
export const GRAFANA_DASHBOARD_LABEL = "grafana_dashboard";
/** The gateway's gauge of backend requests in flight (gateway/src/metrics.ts), as the HPA's Pods metric. */
export const GATEWAY_INFLIGHT_METRIC = "gateway_backend_inflight_requests";
/** The gateway's counter of answered requests by route template and status (gateway/src/metrics.ts). */
export const GATEWAY_REQUESTS_METRIC = "gateway_http_requests_total";

/** prometheus-adapter rule: the gauge per pod, served on the custom metrics API for the gateway's HPA. */
export const ADAPTER_RULES = [
  {
    seriesQuery: `${GATEWAY_INFLIGHT_METRIC}{namespace!="",pod!=""}`,
    resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
    name: { matches: `^${GATEWAY_INFLIGHT_METRIC}$`, as: GATEWAY_INFLIGHT_METRIC },
    metricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
  },
];
export const DASHBOARD_FILE = path.join(__dirname, "..", "dashboards", "grafana-inference.json");
/** The chart's Prometheus Service: <release>-prometheus on 9090. */
export const prometheusUrl = (namespace: string) =>
  `http://${PROMETHEUS_RELEASE}-prometheus.${namespace}.svc.cluster.local:9090`;

export interface PrometheusArgs {
  provider: k8s.Provider;
  namespace: string;
  chartVersion: string;
  adapterChartVersion: string;
  retentionDays: number;
}

export class Prometheus extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;
  readonly url: string;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:workloads:Prometheus", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const systemPool = { [POOL_LABEL_KEY]: "system" };
    // The chart's default Grafana password is public knowledge; this one is the stack's secret.
    const grafanaPassword = new random.RandomPassword(
      `${name}-grafana-admin`,
      { length: 32, special: false },
      { parent: this },
    );
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: PROMETHEUS_RELEASE,
        chart: "kube-prometheus-stack",
        version: args.chartVersion,
        repositoryOpts: { repo: PROMETHEUS_CHART_REPO },
        namespace: args.namespace,
        createNamespace: true,
        values: {
          prometheus: {
            prometheusSpec: {
              // Select ServiceMonitors from every namespace, not only this release's.
              serviceMonitorSelectorNilUsesHelmValues: false,
              podMonitorSelectorNilUsesHelmValues: false,
              retention: `${args.retentionDays}d`,
              nodeSelector: systemPool,
            },
          },
          prometheusOperator: { nodeSelector: systemPool },
          alertmanager: { enabled: false },
          grafana: {
            adminPassword: grafanaPassword.result,
            nodeSelector: systemPool,
            sidecar: { dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL, labelValue: "1" } },
          },
          "kube-state-metrics": { nodeSelector: systemPool },
        },
      },
      child,
    );
    new k8s.core.v1.ConfigMap(
      `${name}-dashboard`,
      {
        metadata: {
          name: "grafana-dashboard-inference",
          namespace: args.namespace,
          labels: {
            ...standardLabels({ name: "grafana", component: "dashboard" }),
            [GRAFANA_DASHBOARD_LABEL]: "1",
          },
        },
        data: { "grafana-inference.json": fs.readFileSync(DASHBOARD_FILE, "utf8") },
      },
      { ...child, dependsOn: [this.release] },
    );
    // Serves the gateway's in-flight gauge to its HPA (custom.metrics.k8s.io); CPU still comes from metrics-server.
    new k8s.helm.v3.Release(
      `${name}-adapter`,
      {
        name: "prometheus-adapter",
        chart: "prometheus-adapter",
        version: args.adapterChartVersion,
        repositoryOpts: { repo: PROMETHEUS_CHART_REPO },
        namespace: args.namespace,
        values: {
          prometheus: { url: `http://${PROMETHEUS_RELEASE}-prometheus.${args.namespace}.svc`, port: 9090 },
          rules: { default: false, custom: ADAPTER_RULES },
          nodeSelector: systemPool,
        },
      },
      { ...child, dependsOn: [this.release] },
    );
    this.url = prometheusUrl(args.namespace);
    this.registerOutputs({});
  }
}
