/**
 * Runs CrossGuard policies in a unit test, the way the analyzer would: every resource the program registered
 * under mocks becomes a PolicyResource (type, props = resolved inputs, URN, property dependencies), resource
 * policies get each one through validateResource, stack policies get all of them through validateStack.
 *
 * Property dependencies are what the engine computes from Outputs passed between resources; under mocks the
 * harness recovers them from values: a prop equal to another resource's id or ARN depends on that resource.
 */
import type {
  Policies,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { RecordedResource } from "./pulumi-mocks";

export interface Violation {
  policy: string;
  /** Logical name of the resource the violation is about. */
  resource: string;
  message: string;
}

/** The PolicyResources the analyzer would see for these registrations. */
export function policyResources(recorded: readonly RecordedResource[]): PolicyResource[] {
  const byRef = new Map<string, PolicyResource>();
  const resources: PolicyResource[] = recorded.map((r) => ({
    type: r.type,
    props: r.inputs,
    urn: r.urn,
    name: r.name,
    opts: {
      protect: r.options.protect,
      ignoreChanges: [],
      aliases: [],
      additionalSecretOutputs: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    },
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  }));
  recorded.forEach((r, i) => {
    const resource = resources[i] as PolicyResource;
    if (r.custom) byRef.set(r.id, resource);
    if (typeof r.state.arn === "string") byRef.set(r.state.arn, resource);
  });
  for (const resource of resources) {
    for (const [prop, value] of Object.entries(resource.props)) {
      const deps = [value]
        .flat()
        .flatMap((v) => (typeof v === "string" && byRef.has(v) ? [byRef.get(v) as PolicyResource] : []));
      if (deps.length > 0) resource.propertyDependencies[prop] = deps;
    }
  }
  return resources;
}

/** Every violation the policies report for these resources. */
export async function evaluate(
  policies: Policies,
  resources: readonly PolicyResource[],
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const byUrn = new Map(resources.map((r) => [r.urn, r.name]));
  for (const policy of policies) {
    const resourcePolicy = policy as ResourceValidationPolicy;
    const stackPolicy = policy as StackValidationPolicy;
    for (const validate of [resourcePolicy.validateResource ?? []].flat()) {
      for (const r of resources) {
        const args = { ...r, stackTags: new Map(), getConfig: () => ({}), notApplicable: () => {} };
        await validate(args as unknown as ResourceValidationArgs, (message) =>
          violations.push({ policy: policy.name, resource: r.name, message }),
        );
      }
    }
    if (stackPolicy.validateStack) {
      const args = { resources, stackTags: new Map(), getConfig: () => ({}), notApplicable: () => {} };
      await stackPolicy.validateStack(args as unknown as StackValidationArgs, (message, urn) =>
        violations.push({ policy: policy.name, resource: (urn && byUrn.get(urn)) || "(stack)", message }),
      );
    }
  }
  return violations;
}
