import path from "node:path";
import type { Reader } from "../env-reader";

/** Resolves a file path from the environment against the working directory, as a shell user expects. */
export function filePath(r: Reader, name: string): string | undefined {
  const value = r.raw(name);
  return value === undefined ? undefined : path.resolve(value);
}
