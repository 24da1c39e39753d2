/**
 * Server processes the benchmark starts for itself: spawned in their own process group (so a launcher's
 * children, e.g. tritonserver under pytriton, stop with it), logs to a file in the output folder, ready when an
 * HTTP probe answers 200, and always stopped by the pid we started.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";

export interface ServerProcess {
  name: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released for the server to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  logFile: string;
  /** URL that answers 200 once the server can take load. */
  readyUrl: string;
  readyTimeoutS: number;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // no such process group left
  }
}

export async function startServer(opts: StartOptions): Promise<ServerProcess> {
  const log = createWriteStream(opts.logFile);
  const child: ChildProcess = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  if (child.pid === undefined) {
    throw new Error(`${opts.name}: could not start ${opts.command}`);
  }
  const pid = child.pid;

  // Idempotent: a case may stop a server early (to read its final log) and its cleanup stops it again.
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= stopOnce();
    return stopping;
  };
  const stopOnce = async (): Promise<void> => {
    if (!exited) {
      // The server's own SIGTERM handling first (Triton's launcher stops tritonserver and its proxies in order),
      // then the whole process group if it does not finish in time.
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
      const timedOut = await Promise.race([exitPromise.then(() => false), sleep(20_000).then(() => true)]);
      if (timedOut) killGroup(pid, "SIGKILL");
      await exitPromise;
    }
    // Anything the server left behind in its process group (e.g. a stray tritonserver) goes too.
    killGroup(pid, "SIGKILL");
    // Let the log stream flush the last lines of the server's shutdown.
    await new Promise<void>((resolve) => log.end(resolve));
  };

  const deadline = Date.now() + opts.readyTimeoutS * 1000;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `${opts.name} exited (code ${exited.code}, signal ${exited.signal}) before becoming ready; ` +
          `log ${opts.logFile}:\n${tail(opts.logFile)}`,
      );
    }
    try {
      const res = await request(opts.readyUrl, { headersTimeout: 2000, bodyTimeout: 2000 });
      await res.body.dump();
      if (res.statusCode === 200) return { name: opts.name, pid, logFile: opts.logFile, stop };
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  await stop();
  throw new Error(
    `${opts.name} was not ready at ${opts.readyUrl} within ${opts.readyTimeoutS} s; log ${opts.logFile}:\n${tail(opts.logFile)}`,
  );
}

/** BENCH_CPU_PROFILE_DIR: each Node server writes a V8 CPU profile there when it exits (to find hot spots). */
function profileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

/** Node running a TypeScript entry point through tsx, as `npm start` does. */
export const nodeWithTsx = (script: string) => ({
  command: process.execPath,
  args: [...profileArgs(), "--import", "tsx", script],
});

export function baseProcessEnv(): Record<string, string | undefined> {
  // Only what a server needs from our environment: PATH/HOME for tools, nothing of the caller's secrets.
  return { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG ?? "C.UTF-8" };
}
