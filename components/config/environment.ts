import * as pulumi from "@pulumi/pulumi";
import { byEnv, type ConfigReader, type SectionContext } from "./reader";
import type { Environment } from "./types";

/** `environment` (defaulted from the stack name dev/prod) decides which rules every other section applies. */
export function readEnvironment(c: ConfigReader): Environment {
  const stackDefault: Environment | undefined = c.stack === "dev" || c.stack === "prod" ? c.stack : undefined;
  const envRaw = c.raw("environment");
  if (envRaw === undefined && stackDefault === undefined) {
    c.problem("environment", `is required for stack "${c.stack}" (dev or prod)`, "prod");
  } else if (envRaw !== undefined) {
    return c.oneOf<Environment>("environment", ["dev", "prod"], stackDefault ?? "prod");
  }
  return stackDefault ?? "prod";
}

export interface AccountSettings {
  region: string;
  deletionProtection: boolean;
  kmsDeletionWindowDays: number;
}

/** The AWS region and how stateful resources are protected. */
export function readAccount(c: ConfigReader, ctx: SectionContext): AccountSettings {
  const region = new pulumi.Config("aws").get("region") ?? "";
  if (region === "") {
    c.problems.push(
      `aws:region is required; set it with: pulumi config set aws:region us-east-1 -s ${ctx.stack}`,
    );
  }
  const deletionProtection = c.boolean("deletionProtection", ctx.prod);
  if (ctx.prod && !deletionProtection) {
    c.problem("deletionProtection", "must be true in prod (stateful resources are protected)", "true");
  }
  const kmsDeletionWindowDays = c.integer("kmsDeletionWindowDays", byEnv(ctx, 7, 30), 7, 30);
  return { region, deletionProtection, kmsDeletionWindowDays };
}
