/**
 * Shared harness for unit-testing the Pulumi program without a cloud.
 *
 * `installPulumiMocks` points the Pulumi runtime at an in-memory engine (pulumi.runtime.setMocks), sets the
 * stack config, and records every resource the program registers: its type token, logical name, inputs and
 * the resource options that matter for security review (protect, retainOnDelete, parent, dependsOn), so tests
 * can assert on them. Provider functions (availability zones, caller identity, region) get fixed answers, and
 * every resource gets a deterministic fake id / ARN so downstream interpolation (policy documents, trust
 * conditions) can be asserted exactly.
 *
 * @pulumi/eks components are remote (multi-language) components: the mock engine sees their inputs only and
 * returns whatever state this harness fabricates for them (see `eksClusterState` in mock-cloud-state.ts). Methods such as
 * `cluster.getKubeconfig()` are provider calls that mocks cannot answer; the program must not use them.
 *
 * Usage:
 *   const stack = await installPulumiMocks({ stack: "dev", config: { gpuNodeCount: 1 } });
 *   jest.isolateModules(() => { mod = require("../index"); });   // fresh program per stack
 *   await stack.settle();
 *   const bucket = stack.one("aws:s3/bucket:Bucket");
 *   expect(await outputValue(mod.modelBucketName)).toBe(bucket.state.bucket);
 *
 * The runtime modules are required lazily so that, inside `jest.isolateModules`, the harness drives the same
 * @pulumi/pulumi copy as the program under test.
 */
import type * as pulumiTypes from "@pulumi/pulumi";
import { answerCall, defaultState, ORGANIZATION, PROJECT } from "./mock-cloud-state";

export {
  ACCOUNT_ID,
  AVAILABILITY_ZONES,
  fakeArn,
  OIDC_ISSUER_HOST,
  OIDC_PROVIDER_ARN,
  ORGANIZATION,
  PROJECT,
  previousStackOutputs,
  REGION,
  S3_PREFIX_LIST_CIDRS,
} from "./mock-cloud-state";

/** A config value as a test writes it; non-strings are JSON-encoded the way `pulumi config set --path` stores them. */
export type ConfigValue = string | number | boolean | readonly unknown[] | Record<string, unknown>;

export interface MockOptions {
  /** Stack name the program sees through pulumi.getStack(); default "dev". */
  stack?: string;
  /** Project name; default the project in Pulumi.yaml. */
  project?: string;
  /**
   * Stack config. Bare keys ("gpuNodeCount") belong to the project namespace; keys with a colon
   * ("aws:region") are used as written.
   */
  config?: Record<string, ConfigValue>;
  /** Keys (bare or namespaced) whose values are secrets, as `pulumi config set --secret` marks them. */
  secretKeys?: string[];
  /** Run as `pulumi preview` (unknown values stay unknown); default false. */
  preview?: boolean;
  /** Extra or overriding state for a resource; return undefined to keep the defaults. */
  stateFor?: (resource: {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
  }) => Record<string, unknown> | undefined;
}

/** A resource as the mock engine received it. */
export interface RecordedResource {
  type: string;
  name: string;
  /** Inputs after Pulumi resolved them (Outputs become plain values; unknowns are absent). */
  // biome-ignore lint/suspicious/noExplicitAny: resource inputs are arbitrary JSON-like trees that tests drill into
  inputs: Record<string, any>;
  /** The state the mock returned (inputs plus fabricated id/arn/name fields). */
  // biome-ignore lint/suspicious/noExplicitAny: as above
  state: Record<string, any>;
  id: string;
  urn: string;
  custom: boolean;
  options: {
    protect: boolean;
    retainOnDelete: boolean;
    /** URN of the parent resource ("" for stack-level resources). */
    parent: string;
    /** URNs from dependsOn (plus the ones Pulumi derives from inputs). */
    dependencies: string[];
    /** Provider reference ("urn::id"), "" for the default provider. */
    provider: string;
  };
}

export interface RecordedCall {
  token: string;
  // biome-ignore lint/suspicious/noExplicitAny: invoke arguments are arbitrary
  inputs: Record<string, any>;
}

export interface MockedStack {
  readonly stack: string;
  readonly project: string;
  readonly resources: RecordedResource[];
  readonly calls: RecordedCall[];
  /** All resources of one type token, e.g. "aws:ec2/vpc:Vpc", in registration order. */
  byType(type: string): RecordedResource[];
  /**
   * Exactly one resource of this type (optionally whose logical name contains `nameContains`);
   * throws a readable error listing what exists otherwise.
   */
  one(type: string, nameContains?: string): RecordedResource;
  /** The resource with this URN; throws if none. */
  byUrn(urn: string): RecordedResource;
  /** Resolves once every registration started so far (and any they trigger) has completed. */
  settle(): Promise<void>;
}

function encodeConfig(project: string, config: Record<string, ConfigValue>): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const fullKey = key.includes(":") ? key : `${project}:${key}`;
    encoded[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return encoded;
}

/**
 * Installs the mock engine and config for one stack and returns a live record of what the program registers.
 * Await it before constructing any resource.
 */
export async function installPulumiMocks(options: MockOptions = {}): Promise<MockedStack> {
  // Lazy requires: see the module comment about jest.isolateModules.
  const pulumi: typeof pulumiTypes = require("@pulumi/pulumi");
  const settings = require("@pulumi/pulumi/runtime/settings");

  const stack = options.stack ?? "dev";
  const project = options.project ?? PROJECT;
  const resources: RecordedResource[] = [];
  const calls: RecordedCall[] = [];
  let pending = 0;
  let generation = 0;

  // Filled in by the monitor wrapper below, keyed by "type::name" of the registration in flight.
  const optionsInFlight = new Map<string, RecordedResource["options"][]>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = (args.inputs ?? {}) as Record<string, unknown>;
        const state = {
          ...defaultState(args.type, args.name, inputs),
          ...(options.stateFor?.({ type: args.type, name: args.name, inputs }) ?? {}),
        };
        const id = args.id || `${args.name}-id`;
        const queued = optionsInFlight.get(`${args.type}::${args.name}`);
        const resourceOptions = queued?.shift() ?? {
          protect: false,
          retainOnDelete: false,
          parent: "",
          dependencies: [],
          provider: args.provider ?? "",
        };
        resources.push({
          type: args.type,
          name: args.name,
          inputs,
          state,
          id,
          urn: "",
          custom: args.custom ?? true,
          options: resourceOptions,
        });
        return { id, state };
      },
      call(args) {
        const inputs = (args.inputs ?? {}) as Record<string, unknown>;
        calls.push({ token: args.token, inputs });
        return answerCall(args.token, inputs);
      },
    },
    project,
    stack,
    options.preview ?? false,
    ORGANIZATION,
  );

  pulumi.runtime.setAllConfig(
    encodeConfig(project, options.config ?? {}),
    (options.secretKeys ?? []).map((k) => (k.includes(":") ? k : `${project}:${k}`)),
  );

  // Wrap the mock monitor to capture resource options (which MockResourceArgs does not carry) and URNs,
  // and to count registrations in flight for settle().
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (
    // biome-ignore lint/suspicious/noExplicitAny: protobuf RegisterResourceRequest
    req: any,
    // biome-ignore lint/suspicious/noExplicitAny: grpc callback
    callback: (err: any, res: any) => void,
  ) => {
    pending++;
    generation++;
    const key = `${req.getType()}::${req.getName()}`;
    const list = optionsInFlight.get(key) ?? [];
    list.push({
      protect: Boolean(req.getProtect?.()),
      retainOnDelete: Boolean(req.getRetainondelete?.()),
      parent: req.getParent?.() ?? "",
      dependencies: req.getDependenciesList?.() ?? [],
      provider: req.getProvider?.() ?? "",
    });
    optionsInFlight.set(key, list);
    return register(req, (err: unknown, res: { getUrn(): string } | undefined) => {
      if (!err && res) {
        const recorded = [...resources]
          .reverse()
          .find((r) => r.type === req.getType() && r.name === req.getName() && r.urn === "");
        if (recorded) recorded.urn = res.getUrn();
      }
      pending--;
      generation++;
      callback(err, res);
    });
  };

  const byType = (type: string) => resources.filter((r) => r.type === type);

  return {
    stack,
    project,
    resources,
    calls,
    byType,
    one(type, nameContains) {
      const matches = byType(type).filter((r) => nameContains === undefined || r.name.includes(nameContains));
      if (matches.length !== 1) {
        const seen = resources.map((r) => `${r.type} ${r.name}`).join("\n  ");
        throw new Error(
          `expected exactly one ${type}${nameContains ? ` named *${nameContains}*` : ""}, found ${matches.length}; registered:\n  ${seen}`,
        );
      }
      return matches[0] as RecordedResource;
    },
    byUrn(urn) {
      const found = resources.find((r) => r.urn === urn);
      if (!found) throw new Error(`no resource with URN ${urn}`);
      return found;
    },
    async settle() {
      // Registrations chain (a component's children register after its inputs resolve), so wait until
      // nothing is in flight and nothing new has started for 20 macrotask turns (cheap, and robust on a loaded machine).
      let quietTurns = 0;
      let lastGeneration = -1;
      while (quietTurns < 20) {
        await new Promise((resolve) => setImmediate(resolve));
        if (pending === 0 && generation === lastGeneration) quietTurns++;
        else quietTurns = 0;
        lastGeneration = generation;
      }
    },
  };
}

/** The value inside an Output (or plain value), resolved under mocks. Unknown values resolve to undefined. */
export function outputValue<T>(value: pulumiTypes.Input<T>): Promise<T> {
  const pulumi: typeof pulumiTypes = require("@pulumi/pulumi");
  // Output.promise() is internal but stable; unlike apply() it also settles for unknown values.
  return (pulumi.output(value) as unknown as { promise(): Promise<T> }).promise();
}

/** Whether an Output is marked secret (so `pulumi stack output` hides it). */
export async function isSecretOutput(value: pulumiTypes.Output<unknown>): Promise<boolean> {
  const pulumi: typeof pulumiTypes = require("@pulumi/pulumi");
  return pulumi.isSecret(value);
}

/**
 * The logical name of a resource passed by reference in another resource's inputs (e.g. the `nodeRole` of a
 * node group, or `cluster`); undefined if `value` is not a resource.
 */
export function resourceRefName(value: unknown): string | undefined {
  const ref = value as { __pulumiResource?: boolean; __name?: string } | undefined;
  return ref?.__pulumiResource ? ref.__name : undefined;
}

/** Parses a JSON policy document input (string or object) into an object. */
// biome-ignore lint/suspicious/noExplicitAny: IAM documents are free-form JSON
export function parsePolicy(doc: unknown): any {
  return typeof doc === "string" ? JSON.parse(doc) : doc;
}
