/**
 * CPU time of a server process and all its descendants, read from /proc/<pid>/stat.
 * Descendants matter: Triton runs as a child of its Python launcher, uvicorn may fork workers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { clockTicksPerSecond } from "./machine";

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

/**
 * The fields of a /proc stat file from field 3 (state) on: the command name (field 2) may contain spaces and
 * parentheses, so the split starts after its last ')'. utime is field 14, so index 11; stime 12; cutime and
 * cstime 13 and 14.
 */
function statFields(file: string): string[] {
  const raw = readFileSync(file, "utf8");
  return raw.slice(raw.lastIndexOf(")") + 2).split(" ");
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const rest = statFields(`/proc/${pid}/stat`);
    const ppid = Number(rest[1]);
    const ticks = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
    return { pid, ppid, ticks };
  } catch {
    return undefined;
  }
}

/** Total CPU ticks of `rootPid` and its live descendants (exited, reaped children count via cutime). */
export function treeCpuTicks(rootPid: number): number | undefined {
  const root = readStat(rootPid);
  if (!root) return undefined;
  const all: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(Number(entry));
    if (s) all.push(s);
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of all) {
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const s = stack.pop() as ProcStat;
    total += s.ticks;
    for (const c of children.get(s.pid) ?? []) stack.push(c);
  }
  return total;
}

export interface CpuMeter {
  /** CPU cores used on average since the meter started (1.0 = one core fully busy). */
  stop(): number | null;
}

export function startCpuMeter(pids: readonly number[]): CpuMeter {
  const startTicks = pids.map((p) => treeCpuTicks(p));
  const t0 = process.hrtime.bigint();
  return {
    stop() {
      const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
      let used = 0;
      for (const [i, pid] of pids.entries()) {
        const before = startTicks[i];
        const after = treeCpuTicks(pid);
        if (before === undefined || after === undefined) return null;
        used += after - before;
      }
      if (pids.length === 0 || elapsedS <= 0) return null;
      return used / clockTicksPerSecond() / elapsedS;
    },
  };
}

/** CPU ticks of one process split into its main thread (a Node server's event loop) and all its other threads. */
export function threadCpuTicks(pid: number): { main: number; others: number } | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let main = 0;
  let others = 0;
  for (const tid of tids) {
    try {
      // utime + stime: a thread has no children of its own.
      const rest = statFields(`/proc/${pid}/task/${tid}/stat`);
      const ticks = Number(rest[11]) + Number(rest[12]);
      if (Number(tid) === pid) main += ticks;
      else others += ticks;
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return { main, others };
}

/** Cores used while a run went on, split by who used them (1.0 = one core fully busy). */
export interface CpuSplit {
  /** The gateway's main thread: its event loop (HTTP, auth, admission, shedding, de-identification). */
  eventLoop: number;
  /** Every other gateway thread: the model's worker threads and ONNX Runtime's, V8's helpers. */
  gatewayOtherThreads: number;
  /** This process: the load generator. */
  loadGenerator: number;
  /** Other server processes (Triton and its stubs), when there are any. */
  otherServers?: number;
}

/** Meters a gateway process by thread, this process, and optionally other server process trees. */
export function startCpuSplitMeter(
  gatewayPid: number,
  otherServerPids: readonly number[] = [],
): { stop(): CpuSplit | null } {
  const before = threadCpuTicks(gatewayPid);
  const others = otherServerPids.length > 0 ? startCpuMeter(otherServerPids) : undefined;
  const self = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  return {
    stop() {
      const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
      const after = threadCpuTicks(gatewayPid);
      const used = process.cpuUsage(self);
      const otherServers = others?.stop();
      if (before === undefined || after === undefined || elapsedS <= 0) return null;
      const rounded = (cores: number) => Math.round(cores * 100) / 100;
      const cores = (ticks: number) => rounded(ticks / clockTicksPerSecond() / elapsedS);
      return {
        eventLoop: cores(after.main - before.main),
        gatewayOtherThreads: cores(after.others - before.others),
        loadGenerator: rounded((used.user + used.system) / 1e6 / elapsedS),
        ...(otherServers === undefined || otherServers === null
          ? {}
          : { otherServers: rounded(otherServers) }),
      };
    },
  };
}
