/**
 * E-mail recognizer, anchored on each "@": walk back over the local part (at most 64 characters), then match
 * the domain forward. Anchoring skips the whole scan on notes without "@" and keeps the cost linear.
 */
import type { Recognizer } from "./recognizer";
import { type Span, span } from "./span";
import { EMAIL_DOMAIN } from "./structured-patterns";

/** A character of an e-mail local part: letters, digits and . _ % + - */
function isLocalChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 46 ||
    c === 95 ||
    c === 37 ||
    c === 43 ||
    c === 45
  );
}

export const emailRecognizer: Recognizer = {
  name: "email",
  find({ text }) {
    const out: Span[] = [];
    for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
      let start = at;
      while (start > 0 && at - start < 65 && isLocalChar(text.charCodeAt(start - 1))) start--;
      if (start === at || at - start > 64 || (start > 0 && isLocalChar(text.charCodeAt(start - 1)))) continue;
      EMAIL_DOMAIN.lastIndex = at + 1;
      const domain = EMAIL_DOMAIN.exec(text);
      if (!domain) continue;
      out.push(span("EMAIL", start, at + 1 + domain[0].length, 0.99));
      at += domain[0].length;
    }
    return out;
  },
};
