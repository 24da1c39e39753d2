/**
 * Validates Kubernetes manifests against the official OpenAPI schemas compiled into `kubernetes-models`
 * (core and built-in API groups; v5.1.0 carries the Kubernetes 1.34 schemas) and
 * `@kubernetes-models/prometheus-operator` (ServiceMonitor), `@kubernetes-models/keda` (ScaledObject) and
 * `@kubernetes-models/karpenter` (NodePool, EC2NodeClass).
 *
 * Both packages are ESM-only and export only an `import` condition, which Jest's CommonJS module system cannot
 * load, so validation runs in a child Node process. Every manifest needs a model class for its
 * apiVersion/kind: an object kind nobody can validate is reported as a problem, never skipped.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";

export interface SchemaResult {
  apiVersion: string;
  kind: string;
  name: string;
  /** Empty when valid: "<json pointer> <message>" per violation otherwise. */
  errors: string[];
}

const VALIDATOR = `
import { readFileSync } from "node:fs";
const manifests = JSON.parse(readFileSync(0, "utf8"));
function modulePath(apiVersion) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "monitoring.coreos.com") return "@kubernetes-models/prometheus-operator/" + group + "/" + version;
  if (group === "keda.sh") return "@kubernetes-models/keda/" + group + "/" + version;
  if (group.startsWith("karpenter.")) return "@kubernetes-models/karpenter/" + group + "/" + version;
  return group === "" ? "kubernetes-models/" + version : "kubernetes-models/" + group + "/" + version;
}
const results = [];
for (const m of manifests) {
  const result = { apiVersion: m.apiVersion, kind: m.kind, name: m.metadata?.name ?? "", errors: [] };
  results.push(result);
  let Model;
  try {
    Model = (await import(modulePath(String(m.apiVersion))))[m.kind];
  } catch (e) {
    result.errors.push("no schema module for apiVersion " + m.apiVersion + ": " + e.message);
    continue;
  }
  if (typeof Model !== "function") {
    result.errors.push("no schema for kind " + m.kind + " in " + m.apiVersion);
    continue;
  }
  try {
    new Model(m).validate();
  } catch (e) {
    const errors = Array.isArray(e.errors) ? e.errors : [{ instancePath: "", message: e.message }];
    for (const err of errors) result.errors.push((err.instancePath || "/") + " " + err.message);
  }
}
process.stdout.write(JSON.stringify(results));
`;

export function validateManifests(manifests: object[]): SchemaResult[] {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", VALIDATOR], {
    cwd: path.resolve(__dirname, "..", ".."),
    input: JSON.stringify(manifests),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as SchemaResult[];
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";

/** Whether a recorded input value is a Pulumi secret (as the engine received it). */
export function isSecretValue(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_SIG] === SECRET_MARK
  );
}

/** The manifest as the cluster would receive it: Pulumi secret wrappers replaced by their values. */
export function plainManifest<T>(value: T): T {
  if (isSecretValue(value)) return plainManifest(value.value) as T;
  if (Array.isArray(value)) return value.map((v) => plainManifest(v)) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainManifest(v)])) as T;
  }
  return value;
}
