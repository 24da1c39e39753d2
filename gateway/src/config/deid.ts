import path from "node:path";
import type { DeidOperator, PhiType } from "../contracts";
import { parseOperatorSpec } from "../deid/index";
import { DEFAULT_DEID_MODEL_PATH, type DeidModelSetting } from "../deid-model/paths";
import { DEID_MODEL_OFF, GATEWAY_ENV as E } from "../deployment-contract";
import { ConfigError, type Reader } from "../env-reader";

export function parseOperators(r: Reader): Partial<Record<PhiType, DeidOperator>> {
  const value = r.raw(E.DEID_OPERATORS);
  if (value === undefined) return {};
  try {
    return parseOperatorSpec(value);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

export function parseDeidModel(r: Reader): DeidModelSetting {
  const value = r.raw(E.DEID_MODEL);
  if (value === undefined) return { kind: "file", path: DEFAULT_DEID_MODEL_PATH };
  const trimmed = value.trim();
  if (trimmed === DEID_MODEL_OFF) return { kind: "off" };
  return { kind: "file", path: path.resolve(trimmed) };
}
