/**
 * The control plane's processes: each logs to a file in the run directory, is stopped by the pid we started
 * (SIGTERM, then SIGKILL), and is watched by a shell that kills it if this Jest worker dies without tearing
 * down, so a crashed or killed test run leaves no etcd or apiserver behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Whether the process has exited (and with what), for readiness errors. */
  exited(): string | undefined;
  stop(): Promise<void>;
}

const TERM_GRACE_MS = 10_000;

export function startProcess(name: string, command: string, args: string[], logFile: string): ManagedProcess {
  const log = fs.openSync(logFile, "a");
  const child: ChildProcess = spawn(command, args, { stdio: ["ignore", log, log], env: { ...process.env } });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  let exit: string | undefined;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    }),
  );
  // The watchdog outlives us only as long as both we and the child live.
  const watchdog = spawn(
    "sh",
    [
      "-c",
      `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -9 ${pid} 2>/dev/null`,
    ],
    { stdio: "ignore", detached: true },
  );
  watchdog.unref();

  return {
    name,
    pid,
    logFile,
    exited: () => exit,
    async stop() {
      if (exit === undefined) {
        child.kill("SIGTERM");
        // The grace timer is cancelled once the process exits: a pending one would keep Jest from exiting.
        const grace = new AbortController();
        const killed = await Promise.race([
          exitedPromise.then(() => true),
          sleep(TERM_GRACE_MS, false, { signal: grace.signal }).catch(() => false),
        ]);
        grace.abort();
        if (!killed) {
          child.kill("SIGKILL");
          await exitedPromise;
        }
      }
      if (watchdog.pid !== undefined && watchdog.exitCode === null) watchdog.kill("SIGKILL");
    },
  };
}

/** The last lines of a process's log, for an error message. */
export function logTail(file: string, lines = 25): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Polls `check` until it returns true. Fails early, with the log, if the process exits; the deadline is
 * generous because the apiserver's first start on a loaded 2-core machine takes tens of seconds.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { process?: ManagedProcess; timeoutMs: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    const exit = options.process?.exited();
    if (exit && options.process) {
      throw new Error(`${options.process.name} ${exit} before ${what}:\n${logTail(options.process.logFile)}`);
    }
    try {
      if (await check()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(options.intervalMs ?? 500);
  }
  const log = options.process ? `\n${options.process.name} log:\n${logTail(options.process.logFile)}` : "";
  throw new Error(
    `timed out after ${options.timeoutMs} ms waiting for ${what}${lastError ? ` (${lastError})` : ""}${log}`,
  );
}
