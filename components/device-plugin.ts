/**
 * The NVIDIA device plugin advertises each node's GPUs to the kubelet as the `nvidia.com/gpu` resource, which
 * is what Triton's pods request. Without it the GPU pool's T4s are invisible to the scheduler.
 *
 * It runs only on GPU nodes (the pool's nvidia.com/gpu.present label), tolerates the pool's NoSchedule taint,
 * is system-node-critical so it is never evicted before the workloads that depend on it, and needs nothing
 * but the kubelet's device-plugin socket directory: every Linux capability is dropped and no service-account
 * token is mounted. The plugin's default fail-on-init-error behaviour is kept on purpose: a GPU node whose driver
 * does not work crash-loops the plugin where everyone can see it, instead of silently offering zero GPUs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GPU_LABEL, GPU_TAINT } from "./node-pools";

export const DEVICE_PLUGIN_SOCKET_DIR = "/var/lib/kubelet/device-plugins";

export interface DevicePluginArgs {
  provider: k8s.Provider;
  /** Pinned nvcr.io/nvidia/k8s-device-plugin:<version>. */
  image: string;
  namespace?: string;
}

export class NvidiaDevicePlugin extends pulumi.ComponentResource {
  readonly daemonSet: k8s.apps.v1.DaemonSet;

  constructor(name: string, args: DevicePluginArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:k8s:NvidiaDevicePlugin", name, {}, opts);
    const labels = {
      "app.kubernetes.io/name": "nvidia-device-plugin",
      "app.kubernetes.io/part-of": "clinical-inference",
    };

    this.daemonSet = new k8s.apps.v1.DaemonSet(
      name,
      {
        metadata: { name: "nvidia-device-plugin", namespace: args.namespace ?? "kube-system", labels },
        spec: {
          selector: { matchLabels: { "app.kubernetes.io/name": "nvidia-device-plugin" } },
          updateStrategy: { type: "RollingUpdate" },
          template: {
            metadata: { labels },
            spec: {
              priorityClassName: "system-node-critical",
              automountServiceAccountToken: false,
              nodeSelector: { ...GPU_LABEL },
              tolerations: [
                { key: GPU_TAINT.key, operator: "Exists", effect: "NoSchedule" },
                { key: "CriticalAddonsOnly", operator: "Exists" },
              ],
              containers: [
                {
                  name: "nvidia-device-plugin",
                  image: args.image,
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"] },
                  },
                  resources: {
                    requests: { cpu: "50m", memory: "64Mi" },
                    limits: { memory: "256Mi" },
                  },
                  volumeMounts: [{ name: "device-plugin", mountPath: DEVICE_PLUGIN_SOCKET_DIR }],
                },
              ],
              volumes: [
                { name: "device-plugin", hostPath: { path: DEVICE_PLUGIN_SOCKET_DIR, type: "Directory" } },
              ],
            },
          },
        },
      },
      { parent: this, provider: args.provider },
    );

    this.registerOutputs({ daemonSetName: this.daemonSet.metadata.name });
  }
}
