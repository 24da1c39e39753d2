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

function readStat(pid: number): ProcStat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    const rest = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state); utime is field 14, so index 11.
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
