/** What every local benchmark server is started from: the model under test, the workload, credentials, paths. */
import type { LocalIssuer } from "../auth";
import type { Progress } from "../progress";
import type { TokenizedWorkload } from "../workload";

export interface LocalModel {
  /** Triton-layout repository root. */
  repository: string;
  name: string;
  version: string;
  /** <repository>/<name>/<version> */
  versionDir: string;
  buckets: number[];
  /** Encodes a text exactly as the gateway does; used for de-identified texts. */
  bucketOf(text: string): number;
}

export interface LocalContext {
  repoRoot: string;
  runDir: string;
  model: LocalModel;
  workload: TokenizedWorkload;
  issuer: LocalIssuer;
  deidKeyFile: string;
  python: string;
  maxConcurrency: number;
  progress: Progress;
}
