/**
 * What an EKS node of a given EC2 instance type offers the scheduler. vCPUs and memory are AWS's published
 * specifications; max pods is the VPC CNI's ENI limit (amazon-eks-ami eni-max-pods.txt); the reservations are
 * the formulas the EKS AMI's bootstrap applies to compute allocatable capacity (kube-reserved CPU by core
 * count, kube-reserved memory 255Mi + 11Mi per pod, hard eviction at 100Mi). GPUs come from the stack's own
 * table (components/config.ts). An instance type missing here fails loudly rather than being guessed.
 */
import { G4DN_GPUS_PER_INSTANCE } from "../../../components/config";

interface InstanceSpec {
  vcpus: number;
  memoryGiB: number;
  maxPods: number;
}

const INSTANCE_SPECS: Readonly<Record<string, InstanceSpec>> = {
  "t3.large": { vcpus: 2, memoryGiB: 8, maxPods: 35 },
  "t3.xlarge": { vcpus: 4, memoryGiB: 16, maxPods: 58 },
  "m6i.large": { vcpus: 2, memoryGiB: 8, maxPods: 29 },
  "m6i.xlarge": { vcpus: 4, memoryGiB: 16, maxPods: 58 },
  "m6i.2xlarge": { vcpus: 8, memoryGiB: 32, maxPods: 58 },
  "g4dn.xlarge": { vcpus: 4, memoryGiB: 16, maxPods: 29 },
  "g4dn.2xlarge": { vcpus: 8, memoryGiB: 32, maxPods: 29 },
  "g4dn.4xlarge": { vcpus: 16, memoryGiB: 64, maxPods: 29 },
  "g4dn.8xlarge": { vcpus: 32, memoryGiB: 128, maxPods: 58 },
  "g4dn.12xlarge": { vcpus: 48, memoryGiB: 192, maxPods: 234 },
  "g4dn.16xlarge": { vcpus: 64, memoryGiB: 256, maxPods: 58 },
  "g4dn.metal": { vcpus: 96, memoryGiB: 384, maxPods: 737 },
};

export interface NodeResources {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
}

/** kube-reserved CPU in millicores: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above. */
function reservedMillicores(vcpus: number): number {
  const tiers = [60, 10, 5, 5];
  let reserved = 0;
  for (let core = 0; core < vcpus; core++) reserved += tiers[core] ?? 2.5;
  return Math.ceil(reserved);
}

export function nodeResources(instanceType: string): NodeResources {
  const spec = INSTANCE_SPECS[instanceType];
  if (!spec) {
    throw new Error(
      `no node shape for instance type ${instanceType}; add its vCPUs, memory and max pods to test/support/k8s/instance-types.ts`,
    );
  }
  const memoryMi = spec.memoryGiB * 1024;
  const reservedMemoryMi = 255 + 11 * spec.maxPods + 100;
  const gpus = instanceType.startsWith("g4dn.") ? G4DN_GPUS_PER_INSTANCE[instanceType] : undefined;
  const extended: Record<string, string> = gpus === undefined ? {} : { "nvidia.com/gpu": String(gpus) };
  return {
    capacity: { cpu: String(spec.vcpus), memory: `${memoryMi}Mi`, pods: String(spec.maxPods), ...extended },
    allocatable: {
      cpu: `${spec.vcpus * 1000 - reservedMillicores(spec.vcpus)}m`,
      memory: `${memoryMi - reservedMemoryMi}Mi`,
      pods: String(spec.maxPods),
      ...extended,
    },
  };
}
