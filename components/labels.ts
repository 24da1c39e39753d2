/**
 * Kubernetes recommended labels (app.kubernetes.io/*) for every object the workloads layer creates.
 *
 * Selectors use only `name` and `instance`: those never change for the life of a Deployment (a Deployment's
 * selector is immutable), while `version` and `component` may. NetworkPolicies, Services, PDBs and topology
 * spread constraints all select pods with `selectorLabels`, so the same two keys decide every match.
 */

export const PART_OF = "clinical-inference-platform";
export const MANAGED_BY = "pulumi";

export interface AppIdentity {
  /** The application, e.g. "gateway" or "triton". */
  name: string;
  /** What it is within the platform, e.g. "api-gateway", "inference-server", "network-policy". */
  component: string;
  /** Distinguishes several installs of the same application; defaults to `name`. */
  instance?: string;
  /** Version of what runs (image tag, model version); omitted when there is none. */
  version?: string;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Throws when a value could not be stored as a label (the API server would refuse the object). */
export function assertLabelValue(key: string, value: string): string {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new Error(
      `label ${key}=${JSON.stringify(value)} is not a valid Kubernetes label value ` +
        "(at most 63 characters: letters, digits, '-', '_', '.', starting and ending alphanumeric)",
    );
  }
  return value;
}

/** The immutable subset used in selectors. */
export function selectorLabels(id: AppIdentity): Record<string, string> {
  return {
    "app.kubernetes.io/name": assertLabelValue("app.kubernetes.io/name", id.name),
    "app.kubernetes.io/instance": assertLabelValue("app.kubernetes.io/instance", id.instance ?? id.name),
  };
}

/** The full recommended label set for an object's metadata (and a pod template's). */
export function standardLabels(id: AppIdentity): Record<string, string> {
  const labels: Record<string, string> = {
    ...selectorLabels(id),
    "app.kubernetes.io/component": assertLabelValue("app.kubernetes.io/component", id.component),
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
  if (id.version !== undefined) {
    labels["app.kubernetes.io/version"] = assertLabelValue("app.kubernetes.io/version", id.version);
  }
  return labels;
}
