/** What the numbers were measured on, recorded with every result file. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

export interface MachineInfo {
  cpuModel: string;
  logicalCores: number;
  /** Clock the kernel reports for the first core (virtual machines often report the nominal base clock). */
  cpuMHz: number | null;
  /** SIMD and matrix flags that decide ONNX Runtime's kernels (AVX2, AVX-512, VNNI, AMX). */
  cpuFlags: string[];
  memoryGiB: number;
  os: string;
  kernel: string;
  node: string;
  /** 1, 5 and 15 minute load averages at the moment of recording: other work on the machine skews results. */
  loadAverage: number[];
  hostname: string;
  clockTicksPerSecond: number;
}

const INTERESTING_FLAGS =
  /^(sse4_2|avx|avx2|fma|f16c|avx512f|avx512bw|avx512vl|avx512_vnni|avx512_bf16|avx512_fp16|avx_vnni|amx_tile|amx_int8|amx_bf16)$/;

function cpuFlags(): string[] {
  try {
    const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
    const line = cpuinfo.split("\n").find((l) => l.startsWith("flags"));
    if (!line) return [];
    return (line.split(":")[1] ?? "")
      .trim()
      .split(/\s+/)
      .filter((f) => INTERESTING_FLAGS.test(f))
      .sort();
  } catch {
    return [];
  }
}

let clockTicks: number | undefined;
/** USER_HZ for /proc/<pid>/stat times; `getconf` is the portable way to ask, 100 is Linux's fixed value. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks =
        Number.parseInt(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim(), 10) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    logicalCores: cpus.length,
    cpuMHz: cpus[0]?.speed ? cpus[0].speed : null,
    cpuFlags: cpuFlags(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    kernel: os.version(),
    node: process.version,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
    hostname: os.hostname(),
    clockTicksPerSecond: clockTicksPerSecond(),
  };
}
