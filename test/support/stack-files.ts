/**
 * Reads the committed Pulumi.<stack>.yaml files so tests exercise the exact config users deploy.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type ConfigValue, PROJECT } from "./pulumi-mocks";

const yaml: { load(text: string): unknown } = require("js-yaml");

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/**
 * The `config:` map of Pulumi.<stack>.yaml. Keys of this project lose their namespace ("gpuNodeCount"), so
 * tests can override them with bare keys; other namespaces stay ("aws:region").
 */
export function stackFileConfig(stack: string): Record<string, ConfigValue> {
  const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  const document = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, ConfigValue> = {};
  for (const [key, value] of Object.entries(document?.config ?? {})) {
    if (value !== null && typeof value === "object" && "secure" in value) {
      throw new Error(`${file}: ${key} is an encrypted secret; tests cannot decrypt it`);
    }
    config[key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key] = value as ConfigValue;
  }
  return config;
}
