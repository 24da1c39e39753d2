import { HttpProblem } from "../problem";

/**
 * Request-body checks for the /v1 routes. Messages name the field (as a JSON Pointer) and the limit;
 * they never quote the value.
 */

function fieldProblem(pointer: string, detail: string): HttpProblem {
  return new HttpProblem("invalid-field", detail, { extensions: { errors: [{ pointer, detail }] } });
}

function requireObject(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpProblem(
      "invalid-request",
      `The request body must be a JSON object with ${allowed.join(", ")}`,
    );
  }
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      throw fieldProblem("/", `Unknown field; the body may only contain ${allowed.join(", ")}`);
    }
  }
  return record;
}

function checkText(value: unknown, pointer: string, maxChars: number): string {
  if (value === undefined) throw fieldProblem(pointer, `${pointer} is required`);
  if (typeof value !== "string") throw fieldProblem(pointer, `${pointer} must be a string`);
  if (value.trim() === "") {
    throw new HttpProblem("empty-text", `${pointer} must contain non-whitespace characters`, {
      extensions: { errors: [{ pointer, detail: "empty" }] },
    });
  }
  if (value.length > maxChars) {
    throw new HttpProblem("text-too-long", `${pointer} is longer than ${maxChars} characters`, {
      extensions: { maxTextChars: maxChars, errors: [{ pointer, detail: "too long" }] },
    });
  }
  return value;
}

export function parseTextBody(body: unknown, maxChars: number): string {
  return checkText(requireObject(body, ["text"]).text, "/text", maxChars);
}

export function parseTextsBody(body: unknown, maxChars: number, maxTexts: number): string[] {
  const texts = requireObject(body, ["texts"]).texts;
  if (texts === undefined) throw fieldProblem("/texts", "/texts is required");
  if (!Array.isArray(texts)) throw fieldProblem("/texts", "/texts must be an array of strings");
  if (texts.length === 0) {
    throw new HttpProblem("empty-text", "/texts must contain at least one text", {
      extensions: { errors: [{ pointer: "/texts", detail: "empty" }] },
    });
  }
  if (texts.length > maxTexts) {
    throw new HttpProblem("too-many-texts", `/texts has more than ${maxTexts} items`, {
      extensions: { maxBatchTexts: maxTexts },
    });
  }
  return texts.map((t, i) => checkText(t, `/texts/${i}`, maxChars));
}
