/**
 * The tests' Kubernetes client: the kubectl built with the control plane (same version), bound to one
 * kubeconfig. Every failure carries kubectl's own stderr, which names the field or the policy that refused.
 */
import { execFile } from "node:child_process";

export interface Kubectl {
  kubeconfig: string;
  /** Runs kubectl and returns stdout; rejects with kubectl's stderr on a non-zero exit. */
  run(args: string[], input?: string): Promise<string>;
  /** `kubectl get ... -o json`, parsed. */
  // biome-ignore lint/suspicious/noExplicitAny: API objects are free-form JSON that tests drill into
  getJson(args: string[]): Promise<any>;
}

const MAX_OUTPUT = 64 * 1024 * 1024;

export function kubectlFor(binary: string, kubeconfig: string): Kubectl {
  const run = (args: string[], input?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(
        binary,
        [`--kubeconfig=${kubeconfig}`, ...args],
        { maxBuffer: MAX_OUTPUT, encoding: "utf8" },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`kubectl ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
          else resolve(stdout);
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  return {
    kubeconfig,
    run,
    async getJson(args) {
      return JSON.parse(await run(["get", ...args, "-o", "json"]));
    },
  };
}
