import { GATEWAY_ENV as E } from "../deployment-contract";
import { ConfigError, type Reader } from "../env-reader";

export function parseBuckets(r: Reader): number[] {
  const value = r.string(E.SEQUENCE_BUCKETS, "16,32,64,128,256,512");
  const parts = value.split(",").map((p) => p.trim());
  const buckets = parts.map(Number);
  const valid =
    parts.every((p) => /^\d+$/.test(p)) &&
    buckets.every((b, i) => b >= 2 && b <= 512 && (i === 0 || b > (buckets[i - 1] as number)));
  if (!valid) {
    throw new ConfigError(
      `SEQUENCE_BUCKETS must be strictly ascending integers 2-512 separated by commas, got ${JSON.stringify(value)}`,
    );
  }
  return buckets;
}
