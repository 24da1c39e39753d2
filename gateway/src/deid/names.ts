/**
 * NAME recognizer: one left-to-right walk over the document's word tokens. At each token the claiming passes
 * (titles, field labels and relatives, "Last, First", initials, dictionary first names) are tried in order and
 * the first that reports a name moves the walk past it; otherwise the evidence passes (credentials after a
 * name, a lone surname) may add a weaker span. Eponyms ("Parkinson's disease", "Apgar score") are suppressed.
 */
import * as rules from "./name-rules";
import { NameWalk } from "./name-walk";
import type { Recognizer } from "./recognizer";
import type { Token } from "./tokens";

// Local bindings: a module-namespace read (a getter under tsx) on every token adds up in the walk.
const { CLAIMING_PASSES, EVIDENCE_PASSES } = rules;

export const nameRecognizer: Recognizer = {
  name: "names",
  find(doc) {
    const w = new NameWalk(doc.text, doc.tokens);
    const { n, tokens } = w;
    let i = 0;
    walk: while (i < n) {
      const t = tokens[i] as Token;
      for (const pass of CLAIMING_PASSES) {
        const next = pass(w, t, i);
        if (next >= 0) {
          i = next;
          continue walk;
        }
      }
      for (const pass of EVIDENCE_PASSES) pass(w, t, i);
      i++;
    }
    return w.out;
  },
};
