/**
 * Starts test/support/s3_iam_server.py: moto's S3 and IAM on a free 127.0.0.1 port, with IAM enforcement on,
 * one bucket holding the given objects, and one role whose web-identity session the caller gets as credentials.
 *
 *   const s3 = await startS3IamServer({ region, bucket, objects, role });
 *   ... a client signs with s3.credentials against s3.endpoint ...
 *   s3.decisions();   // every S3 authorisation moto made since enforcement went on
 *   await s3.stop();
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { requireVenvPython } from "../../gateway/test/support/synthetic-model";

const SERVER_SCRIPT = path.join(__dirname, "s3_iam_server.py");

export type S3Object = { key: string; file: string } | { key: string; content: string };

export interface S3IamServerOptions {
  region: string;
  bucket: string;
  objects: S3Object[];
  role: { name: string; trustPolicy: unknown; policyName: string; policy: unknown };
  /** Default 60 s: set-up uploads every object before the server reports ready. */
  startTimeoutMs?: number;
}

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** One authorisation moto made: the IAM action and resource it checked, and the listing's parameters. */
export interface S3Decision {
  method: string;
  path: string;
  action: string;
  resource: string;
  prefix: string | null;
  delimiter: string | null;
  motoAllowed: boolean;
}

export interface S3IamServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  credentials: SessionCredentials;
  /** What the server's own enforcement check got for a call the role's policy does not grant. */
  probe: { action: string; key: string; error: string };
  decisions(): S3Decision[];
  logs(): string;
  stop(): Promise<void>;
}

export async function startS3IamServer(options: S3IamServerOptions): Promise<S3IamServer> {
  const python = requireVenvPython();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "s3-iam-server-"));
  const manifest = path.join(work, "manifest.json");
  const decisionsFile = path.join(work, "decisions.jsonl");
  fs.writeFileSync(manifest, JSON.stringify({ ...options, startTimeoutMs: undefined }));
  const child: ChildProcess = spawn(python, [SERVER_SCRIPT, manifest, decisionsFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-32 * 1024);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(work, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let readyLine: string | undefined;
  while (readyLine === undefined) {
    readyLine = stdout.split("\n").find((line) => line.startsWith("READY "));
    if (readyLine !== undefined) break;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the S3/IAM server did not become ready:\n${output.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ready = JSON.parse(readyLine.slice("READY ".length)) as SessionCredentials & {
    endpoint: string;
    probe: S3IamServer["probe"];
  };
  return {
    endpoint: ready.endpoint,
    credentials: {
      accessKeyId: ready.accessKeyId,
      secretAccessKey: ready.secretAccessKey,
      sessionToken: ready.sessionToken,
    },
    probe: ready.probe,
    decisions: () =>
      fs.existsSync(decisionsFile)
        ? fs
            .readFileSync(decisionsFile, "utf8")
            .split("\n")
            .filter((line) => line !== "")
            .map((line) => JSON.parse(line) as S3Decision)
        : [],
    logs: () => output,
    stop,
  };
}
