/**
 * Where scripts/setup.d/30-kubernetes.sh put the control-plane binaries. The versions are read from that script,
 * so the build and the tests can never disagree about which Kubernetes they mean.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../stack-files";

export const SETUP_SCRIPT = path.join(REPO_ROOT, "scripts", "setup.d", "30-kubernetes.sh");

function pinned(name: string): string {
  const match = fs.readFileSync(SETUP_SCRIPT, "utf8").match(new RegExp(`^${name}=(v[0-9][0-9.]*)$`, "m"));
  if (!match?.[1]) throw new Error(`${SETUP_SCRIPT} does not pin ${name}=vX.Y.Z`);
  return match[1];
}

export const KUBERNETES_VERSION = pinned("KUBERNETES_VERSION");
export const KWOK_VERSION = pinned("KWOK_VERSION");

export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
}

/** The binaries, or an error that says how to get them (the suite never skips a missing control plane). */
export function controlPlaneBinaries(): Binaries {
  const cacheRoot =
    process.env.CLINICAL_INFERENCE_CACHE ?? path.join(os.homedir(), ".cache", "clinical-inference");
  const bin = path.join(cacheRoot, `k8s-${KUBERNETES_VERSION}`, "bin");
  const found: Binaries = {
    etcd: findOnPath("etcd"),
    kubeApiserver: path.join(bin, "kube-apiserver"),
    kubeControllerManager: path.join(bin, "kube-controller-manager"),
    kubeScheduler: path.join(bin, "kube-scheduler"),
    kubectl: path.join(bin, "kubectl"),
    kwok: path.join(bin, "kwok"),
  };
  const missing = Object.values(found).filter((file) => !isExecutable(file));
  if (missing.length > 0) {
    throw new Error(
      `the real-control-plane tests need ${missing.join(", ")}; build them with: bash ${path.relative(REPO_ROOT, SETUP_SCRIPT)} (or npm run setup)`,
    );
  }
  return found;
}

function findOnPath(command: string): string {
  try {
    return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim();
  } catch {
    return command;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return path.isAbsolute(file);
  } catch {
    return false;
  }
}
