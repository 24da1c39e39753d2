/** Assertions over what the de-identifier detects in a text, shared by the detect tests. */
import assert from "node:assert/strict";
import type { PhiType } from "../../src/contracts";
import { detect } from "../../src/deid/index";

/** The detected [type, text] pairs, in text order. */
export function found(text: string, options = {}): Array<[PhiType, string]> {
  return detect(text, options).map((s) => [s.type, text.slice(s.start, s.end)]);
}

export function assertFinds(text: string, type: PhiType, value: string): void {
  const hits = found(text);
  assert.ok(
    hits.some(([t, v]) => t === type && v === value),
    `expected ${type} "${value}" in ${JSON.stringify(text)}, got ${JSON.stringify(hits)}`,
  );
}
