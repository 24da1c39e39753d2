/**
 * What this stack's last update left in its state, read through a StackReference to the stack itself, so
 * that a checkout whose config differs from what runs cannot silently plan destruction or an unpullable
 * image:
 *
 * - without gatewayImageTag the workload layer is not registered, which to Pulumi means "delete it". When the
 *   state holds it (a CI or fresh checkout without the tag), the update is refused instead; removing the
 *   layer on purpose takes `workloadsEnabled: false`.
 * - the ECR repository is created by the AWS layer; an image tag set before the repository exists in state
 *   names an image nobody can have pushed yet (the first prod `up` would wait on ImagePullBackOff).
 *
 * A failed program deletes nothing, so throwing here during preview or up is safe.
 */
import * as pulumi from "@pulumi/pulumi";

/** Stack outputs the checks read back (index.ts exports them under these names). */
export const STATE_OUTPUTS = { workloadsDeployed: "workloadsDeployed", ecrRepositoryUrl: "ecrRepositoryUrl" };

export interface LayerDecision {
  /** Whether this update registers the workload layer. */
  deployWorkloads: boolean;
  /** Why this update must not proceed (one line: the reason and the fix); undefined when it may. */
  problem: pulumi.Output<string | undefined>;
}

/** Resolves once `problem` is undefined; rejects with it otherwise, which fails preview and up. */
export function refuseOn(problem: pulumi.Output<string | undefined>): pulumi.Output<true> {
  return problem.apply((reason) => {
    if (reason !== undefined) throw new pulumi.RunError(reason);
    return true as const;
  });
}

export function previousState(): pulumi.StackReference {
  const name = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
  return new pulumi.StackReference("previous-state", { name });
}

export function decideWorkloadLayer(
  state: pulumi.StackReference,
  settings: {
    imageTag: string | undefined;
    workloadsEnabled: boolean;
    stack: string;
    repositoryName: string;
  },
): LayerDecision {
  const { imageTag, workloadsEnabled, stack, repositoryName } = settings;
  const deployWorkloads = workloadsEnabled && imageTag !== undefined;
  const problem = pulumi
    .all([state.getOutput(STATE_OUTPUTS.workloadsDeployed), state.getOutput(STATE_OUTPUTS.ecrRepositoryUrl)])
    .apply(([deployed, repositoryUrl]) => {
      if (workloadsEnabled && imageTag === undefined && deployed === true) {
        return (
          `gatewayImageTag is not set, but stack ${stack} runs the workload layer (gateway, Triton, ingress, ` +
          "network policies) and this update would delete it; set the tag it runs " +
          `(pulumi stack output gatewayImage -s ${stack}): pulumi config set gatewayImageTag <tag> -s ${stack}` +
          ` (to remove the workload layer on purpose: pulumi config set workloadsEnabled false -s ${stack})`
        );
      }
      if (deployWorkloads && typeof repositoryUrl !== "string") {
        return (
          `gatewayImageTag is set, but the ECR repository ${repositoryName} is not in stack ${stack}'s state yet ` +
          "(this update would create it), so the image cannot have been pushed; deploy the AWS layer first: " +
          `pulumi config rm gatewayImageTag -s ${stack} && pulumi up -s ${stack}, push the image ` +
          `(README "Deploying to AWS"), then: pulumi config set gatewayImageTag ${imageTag} -s ${stack}`
        );
      }
      return undefined;
    });
  return { deployWorkloads, problem };
}
