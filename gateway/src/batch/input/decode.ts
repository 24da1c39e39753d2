/** Bytes to text without guessing: invalid input is refused rather than turned into replacement characters. */
import { TextDecoder } from "node:util";

/** Strict RFC 4648 base64 (padding optional, whitespace ignored); Buffer.from alone skips invalid characters. */
export function decodeBase64(data: string): Buffer | undefined {
  const compact = data.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  return Buffer.from(compact, "base64");
}

/** Decodes in the named charset (default UTF-8); undefined for an unknown charset or invalid bytes. */
export function decodeText(bytes: Uint8Array, charset = "utf-8"): string | undefined {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    return undefined;
  }
  try {
    // TextDecoder drops a leading byte-order mark by default.
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
