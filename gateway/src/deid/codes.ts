/**
 * Label-free codes: one scan finds every run of 9-17 capitals and digits, and its length says which format and
 * validator applies (DEA and NPI numbers, Medicare beneficiary IDs, VINs). One scan instead of four.
 */
import type { Recognizer } from "./recognizer";
import { type Span, span } from "./span";
import { CODE_RUN, DEA, MBI, NPI, VIN } from "./structured-patterns";
import { deaValid, npiValid, vinCheckDigitValid } from "./validators";

const DASH = 45;

export const codeRecognizer: Recognizer = {
  name: "codes",
  find({ text }) {
    const out: Span[] = [];
    CODE_RUN.lastIndex = 0;
    for (let m = CODE_RUN.exec(text); m !== null; m = CODE_RUN.exec(text)) {
      const code = m[0];
      const start = m.index;
      const end = start + code.length;
      if (text.charCodeAt(start - 1) === DASH || text.charCodeAt(end) === DASH) continue; // part of a dashed code
      if (code.length === 9 && DEA.test(code) && deaValid(code)) out.push(span("LICENSE", start, end, 0.9));
      else if (code.length === 10 && NPI.test(code) && npiValid(code))
        out.push(span("LICENSE", start, end, 0.7));
      else if (code.length === 11 && MBI.test(code)) out.push(span("HEALTH_PLAN", start, end, 0.85));
      else if (code.length === 17 && VIN.test(code) && /\d/.test(code) && /[A-Z]/.test(code)) {
        out.push(span("VEHICLE", start, end, vinCheckDigitValid(code) ? 0.97 : 0.75));
      }
    }
    return out;
  },
};
