/**
 * What the policies need to know about the resources they inspect, in one place: the stack's environment
 * (from the tags every AWS resource carries), the resources one resource points at through a property, and
 * the pod spec inside each workload kind.
 */
import type { PolicyResource } from "@pulumi/policy";

// biome-ignore lint/suspicious/noExplicitAny: resource props are arbitrary JSON trees
export type Props = Record<string, any>;

/** The environment a resource belongs to: the `environment` tag the stack puts on every AWS resource. */
export function isProd(props: Props): boolean {
  return props.tags?.environment === "prod";
}

/** A stack is prod when any of its resources is tagged prod. */
export function isProdStack(resources: readonly PolicyResource[]): boolean {
  return resources.some((r) => isProd(r.props));
}

/**
 * Resources whose property `prop` refers to `target` (e.g. the BucketPolicy whose `bucket` is this bucket).
 * Property dependencies are known in preview too, when ids are not yet.
 */
export function referencing(
  resources: readonly PolicyResource[],
  type: string,
  prop: string,
  target: PolicyResource,
): PolicyResource[] {
  return resources.filter(
    (r) => r.type === type && (r.propertyDependencies[prop] ?? []).some((d) => d.urn === target.urn),
  );
}

/** Unknown values (a preview before the value exists) are absent from props; only known values are judged. */
export function known(value: unknown): boolean {
  return value !== undefined && value !== null;
}

const POD_TEMPLATE_KINDS: Readonly<Record<string, (props: Props) => Props | undefined>> = {
  "kubernetes:core/v1:Pod": (p) => p.spec,
  "kubernetes:apps/v1:Deployment": (p) => p.spec?.template?.spec,
  "kubernetes:apps/v1:DaemonSet": (p) => p.spec?.template?.spec,
  "kubernetes:apps/v1:StatefulSet": (p) => p.spec?.template?.spec,
  "kubernetes:apps/v1:ReplicaSet": (p) => p.spec?.template?.spec,
  "kubernetes:batch/v1:Job": (p) => p.spec?.template?.spec,
  "kubernetes:batch/v1:CronJob": (p) => p.spec?.jobTemplate?.spec?.template?.spec,
};

/** The pod spec of a workload resource; undefined for other types. */
export function podSpec(type: string, props: Props): Props | undefined {
  return POD_TEMPLATE_KINDS[type]?.(props);
}

/** Every container of a pod spec, init and ephemeral ones included. */
export function containers(spec: Props): Props[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}
