/** The named scenarios and the server(s) each one measures, in the order they run. */
import type { LocalContext } from "./servers/context";
import { expressEchoSubject } from "./servers/echo";
import { fastapiSubject } from "./servers/fastapi";
import { embeddedSubject, gatewayInstrumentSubject } from "./servers/gateway";
import { hybridSubject, tritonDirectSubject } from "./servers/triton";
import type { Subject } from "./subject";

export const SCENARIO_NAMES = [
  "embedded-unbatched",
  "embedded-batched",
  "embedded-unbatched-int8",
  "embedded-batched-int8",
  "fastapi-peer",
  "fastapi-peer-int8",
  "triton-unbatched",
  "triton-batched",
  "triton-batched-int8",
  "hybrid",
  "hybrid-int8",
  "gateway-overhead",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ScenarioDef {
  name: ScenarioName;
  summary: string;
  /** Scenarios with two servers (gateway-overhead) measure them one after the other, never at once. */
  parts: { id: string; start: (ctx: LocalContext) => Promise<Subject> }[];
  needsModel: boolean;
}

export const SCENARIOS: Record<ScenarioName, ScenarioDef> = {
  "embedded-unbatched": {
    name: "embedded-unbatched",
    summary: "gateway + embedded ONNX Runtime, batching off",
    parts: [{ id: "embedded-unbatched", start: (ctx) => embeddedSubject(ctx, false, "fp32") }],
    needsModel: true,
  },
  "embedded-unbatched-int8": {
    name: "embedded-unbatched-int8",
    summary: "gateway + embedded ONNX Runtime on the int8 model, batching off",
    parts: [{ id: "embedded-unbatched-int8", start: (ctx) => embeddedSubject(ctx, false, "int8") }],
    needsModel: true,
  },
  "embedded-batched-int8": {
    name: "embedded-batched-int8",
    summary: "gateway + embedded ONNX Runtime on the int8 model, bucketing + dynamic batching",
    parts: [{ id: "embedded-batched-int8", start: (ctx) => embeddedSubject(ctx, true, "int8") }],
    needsModel: true,
  },
  "embedded-batched": {
    name: "embedded-batched",
    summary: "gateway + embedded ONNX Runtime, bucketing + dynamic batching",
    parts: [{ id: "embedded-batched", start: (ctx) => embeddedSubject(ctx, true, "fp32") }],
    needsModel: true,
  },
  "fastapi-peer": {
    name: "fastapi-peer",
    summary: "Python FastAPI + uvicorn + onnxruntime peer",
    parts: [{ id: "fastapi-peer", start: (ctx) => fastapiSubject(ctx, "fp32") }],
    needsModel: true,
  },
  "fastapi-peer-int8": {
    name: "fastapi-peer-int8",
    summary: "the same FastAPI peer serving the gateway's int8 file (serving cost vs arithmetic)",
    parts: [{ id: "fastapi-peer-int8", start: (ctx) => fastapiSubject(ctx, "int8") }],
    needsModel: true,
  },
  "triton-unbatched": {
    name: "triton-unbatched",
    summary: "local Triton, dynamic batching off, direct KServe v2",
    parts: [{ id: "triton-unbatched", start: (ctx) => tritonDirectSubject(ctx, false, "fp32") }],
    needsModel: true,
  },
  "triton-batched": {
    name: "triton-batched",
    summary: "local Triton, dynamic batching on, direct KServe v2",
    parts: [{ id: "triton-batched", start: (ctx) => tritonDirectSubject(ctx, true, "fp32") }],
    needsModel: true,
  },
  "triton-batched-int8": {
    name: "triton-batched-int8",
    summary: "local Triton on the int8 model, dynamic batching on, direct KServe v2",
    parts: [{ id: "triton-batched-int8", start: (ctx) => tritonDirectSubject(ctx, true, "int8") }],
    needsModel: true,
  },
  hybrid: {
    name: "hybrid",
    summary: "gateway (JWT + de-id + tokenization, per-bucket batches) → local Triton",
    parts: [{ id: "hybrid", start: (ctx) => hybridSubject(ctx, "fp32") }],
    needsModel: true,
  },
  "hybrid-int8": {
    name: "hybrid-int8",
    summary: "the same gateway → local Triton serving the int8 model",
    parts: [{ id: "hybrid-int8", start: (ctx) => hybridSubject(ctx, "int8") }],
    needsModel: true,
  },
  "gateway-overhead": {
    name: "gateway-overhead",
    summary:
      "gateway pipeline with a trivial backend (served de-identifier, then rules only) vs a bare Express echo",
    parts: [
      { id: "gateway-overhead/gateway", start: (ctx) => gatewayInstrumentSubject(ctx, "served") },
      // The learned de-identifier's share of the pipeline: the same instrument with DEID_MODEL=off.
      {
        id: "gateway-overhead/gateway-rules-only",
        start: (ctx) => gatewayInstrumentSubject(ctx, "rules-only"),
      },
      { id: "gateway-overhead/express-echo", start: expressEchoSubject },
    ],
    needsModel: false,
  },
};

export function isScenarioName(s: string): s is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(s);
}
