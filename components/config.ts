/**
 * The one place the stack's configuration is read and validated.
 *
 * Every key of the `clinical-inference-platform` namespace is parsed by one section reader under
 * components/config/, checked against the shared rules (components/config/rules.ts), allowed ranges and the
 * rules that make a stack production-grade, and returned as a typed `StackConfig`. All problems are collected
 * and thrown together as one `StackConfigError`, one line per problem, each naming the key and the
 * `pulumi config set` command that fixes it. Components receive slices of `StackConfig` as arguments, never
 * read config themselves and do not re-check what passed here, so tests can drive them with any values.
 */
import * as pulumi from "@pulumi/pulumi";
import { readAuth } from "./config/auth";
import { readAutoscaling } from "./config/autoscaling";
import { readCluster } from "./config/cluster";
import { readEdgeProtection } from "./config/edge-protection";
import { readAccount, readEnvironment } from "./config/environment";
import { readGpuCapacity } from "./config/gpu-capacity";
import { readIngress } from "./config/ingress";
import { readNetwork } from "./config/network";
import { readNodePools } from "./config/node-pools";
import { ConfigReader, type SectionContext, StackConfigError } from "./config/reader";
import { readImageRegistry, readModelRepository } from "./config/storage";
import type { StackConfig } from "./config/types";
import { readGateway, readNamespaces, readTriton } from "./config/workloads";

export { CLOUDWATCH_RETENTION_DAYS, G4DN_GPUS_PER_INSTANCE, parseCidr } from "./config/rules";
export type * from "./config/types";
export { StackConfigError };

/** Loads and validates the stack configuration; throws StackConfigError listing every problem. */
export function loadConfig(): StackConfig {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const c = new ConfigReader(project, stack);

  const environment = readEnvironment(c);
  const ctx: SectionContext = { project, stack, prod: environment === "prod" };
  const account = readAccount(c, ctx);
  const network = readNetwork(c, ctx);
  const cluster = readCluster(c, ctx, network.flowLogRetentionDays);
  const nodePools = readNodePools(c, ctx);
  const modelRepository = readModelRepository(c);
  const imageRegistry = readImageRegistry(c);
  const { tritonServiceAccount, ...namespaces } = readNamespaces(c);
  const gateway = readGateway(c, ctx, nodePools.systemNodes);
  const triton = readTriton(c, ctx, nodePools.gpuNodes, tritonServiceAccount);
  const ingress = readIngress(c, ctx);
  const auth = readAuth(c);
  const autoscaling = readAutoscaling(c, ctx, nodePools.gpuNodes);
  const gpuCapacity = readGpuCapacity(c, ctx);
  const edgeProtection = readEdgeProtection(c, ctx);
  // On by default: the stack's own Prometheus scrapes them and the autoscalers read what it scrapes.
  const serviceMonitor = c.boolean("serviceMonitor", true);
  const scalesToZero = autoscaling.triton.minReplicas === 0;
  if (scalesToZero && !serviceMonitor) {
    c.problem(
      "serviceMonitor",
      "must be true when tritonMinReplicas is 0 (KEDA wakes Triton on the gateway's request rate, which only the ServiceMonitor brings to Prometheus)",
      "true",
    );
  }
  const workloadsEnabled = c.boolean("workloadsEnabled", true);

  if (c.problems.length > 0) throw new StackConfigError(c.problems);

  return {
    project,
    stack,
    environment,
    ...account,
    tags: { project, stack, environment, "managed-by": "pulumi" },
    network,
    cluster,
    ...nodePools,
    modelRepository,
    imageRegistry,
    workloadsEnabled,
    autoscaling,
    gpuCapacity,
    edgeProtection,
    workloads: {
      namespaces,
      gateway: { ...gateway, ...autoscaling.gateway, backendScalesToZero: scalesToZero },
      // A rollout must work at any count KEDA may hold, up to its maximum, on the GPUs Karpenter may add.
      triton: {
        ...triton,
        autoscaled: true,
        maxReplicas: autoscaling.triton.maxReplicas,
        gpuCapacity: nodePools.gpuNodes.maxCount * nodePools.gpuNodes.gpusPerNode,
      },
      ingress,
      auth,
      monitoring: { serviceMonitor, namespace: namespaces.monitoring },
    },
  };
}
