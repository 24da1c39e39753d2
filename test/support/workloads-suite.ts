/**
 * What the workloads test files share: the dev-like and prod-like workload layers built once per file, and
 * the two manifest fields they read most.
 */
import { type Built, buildWorkloads } from "./workloads-fixture";

/** Builds both layers before the file's tests (registers a beforeAll); read the entries inside a test. */
export function useBuiltWorkloads(): Partial<Record<"dev" | "prod", Built>> {
  const built: Partial<Record<"dev" | "prod", Built>> = {};
  beforeAll(async () => {
    built.dev = await buildWorkloads("dev");
    built.prod = await buildWorkloads("prod");
  });
  return built;
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
type Manifest = any;

export const envOf = (container: Manifest): Record<string, string> =>
  Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));

export const portNumber = (container: Manifest, name: string): number =>
  container.ports.find((p: { name: string }) => p.name === name)?.containerPort;
