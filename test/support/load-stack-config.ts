/**
 * Loads components/config.ts under the mock engine for a stack: the committed stack file (plus the keys prod
 * requires) with test overrides, and the StackConfigError message a bad config gets.
 */
import { loadConfig, type StackConfig, StackConfigError } from "../../components/config";
import { type ConfigValue, installPulumiMocks } from "./pulumi-mocks";
import { stackFileConfig } from "./stack-files";
import { PROD_REQUIRED } from "./stacks";

/** Keys to set on top of the stack file; undefined removes a key the file sets. */
export type Overrides = Record<string, ConfigValue | undefined>;

export function stackConfig(stack: string, overrides: Overrides): Record<string, ConfigValue> {
  const base: Record<string, ConfigValue> =
    stack === "prod"
      ? { ...stackFileConfig("prod"), ...PROD_REQUIRED }
      : stack === "dev"
        ? stackFileConfig("dev")
        : {};
  const merged: Record<string, ConfigValue | undefined> = { ...base, ...overrides };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<
    string,
    ConfigValue
  >;
}

export async function load(
  stack: string,
  overrides: Overrides = {},
  secretKeys: string[] = [],
): Promise<StackConfig> {
  await installPulumiMocks({ stack, config: stackConfig(stack, overrides), secretKeys });
  return loadConfig();
}

/** The StackConfigError message loadConfig throws; fails the test if it does not throw one. */
export async function configError(stack: string, overrides: Overrides = {}): Promise<string> {
  try {
    await load(stack, overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected loadConfig to reject ${JSON.stringify(overrides)} on ${stack}`);
}
