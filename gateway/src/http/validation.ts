import { HttpProblem } from "../problem";

/**
 * The JSON Schema subset that request bodies are written in. The same object is published in the OpenAPI
 * document and checked here, so what the document promises is what the gateway enforces.
 */
export type JsonSchema = ObjectSchema | ArraySchema | StringSchema;

export interface ObjectSchema {
  type: "object";
  required: readonly string[];
  additionalProperties: false;
  properties: Readonly<Record<string, JsonSchema>>;
}

export interface ArraySchema {
  type: "array";
  items: JsonSchema;
  minItems?: number;
  maxItems?: number;
  /** Problem extension member that reports maxItems when it is exceeded. */
  "x-limit"?: string;
}

export interface StringSchema {
  type: "string";
  minLength?: number;
  maxLength?: number;
  /** ECMA-262 regex the value must match somewhere, e.g. NON_BLANK. */
  pattern?: string;
  /** Problem extension member that reports maxLength when it is exceeded. */
  "x-limit"?: string;
}

/** A text must hold something besides whitespace: an empty note is a client bug, not something to classify. */
export const NON_BLANK = "\\S";

/**
 * Checks a parsed body against its schema and throws the first violation as a problem. Messages name the
 * field as a JSON Pointer and the limit; they never quote the value (it is PHI).
 */
export function validateBody(schema: ObjectSchema, body: unknown): void {
  if (!isRecord(body)) {
    throw new HttpProblem(
      "invalid-request",
      `The request body must be a JSON object with ${Object.keys(schema.properties).join(", ")}`,
    );
  }
  checkObject(schema, body, "");
}

function fieldProblem(pointer: string, detail: string): HttpProblem {
  return new HttpProblem("invalid-field", detail, { extensions: { errors: [{ pointer, detail }] } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function check(schema: JsonSchema, value: unknown, pointer: string): void {
  if (schema.type === "object") {
    if (!isRecord(value)) throw fieldProblem(pointer, `${pointer} must be an object`);
    checkObject(schema, value, pointer);
  } else if (schema.type === "array") {
    checkArray(schema, value, pointer);
  } else {
    checkString(schema, value, pointer);
  }
}

function checkObject(schema: ObjectSchema, value: Record<string, unknown>, pointer: string): void {
  const allowed = Object.keys(schema.properties);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw fieldProblem(pointer || "/", `Unknown field; the body may only contain ${allowed.join(", ")}`);
    }
  }
  for (const [key, property] of Object.entries(schema.properties)) {
    const child = `${pointer}/${key}`;
    if (value[key] === undefined) {
      if (schema.required.includes(key)) throw fieldProblem(child, `${child} is required`);
      continue;
    }
    check(property, value[key], child);
  }
}

function checkArray(schema: ArraySchema, value: unknown, pointer: string): void {
  if (!Array.isArray(value)) {
    const of = schema.items.type === "string" ? " of strings" : "";
    throw fieldProblem(pointer, `${pointer} must be an array${of}`);
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    throw new HttpProblem("empty-text", `${pointer} must contain at least ${countOf(schema.minItems)}`, {
      extensions: { errors: [{ pointer, detail: "empty" }] },
    });
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    throw new HttpProblem("too-many-texts", `${pointer} has more than ${schema.maxItems} items`, {
      extensions: limitExtension(schema["x-limit"], schema.maxItems),
    });
  }
  value.forEach((item, i) => {
    check(schema.items, item, `${pointer}/${i}`);
  });
}

function countOf(n: number): string {
  return n === 1 ? "one text" : `${n} texts`;
}

function checkString(schema: StringSchema, value: unknown, pointer: string): void {
  if (typeof value !== "string") throw fieldProblem(pointer, `${pointer} must be a string`);
  const tooShort = schema.minLength !== undefined && value.length < schema.minLength;
  if (tooShort || (schema.pattern !== undefined && !compiled(schema.pattern).test(value))) {
    throw new HttpProblem("empty-text", `${pointer} must contain non-whitespace characters`, {
      extensions: { errors: [{ pointer, detail: "empty" }] },
    });
  }
  if (schema.maxLength !== undefined && value.length > schema.maxLength) {
    throw new HttpProblem("text-too-long", `${pointer} is longer than ${schema.maxLength} characters`, {
      extensions: {
        ...limitExtension(schema["x-limit"], schema.maxLength),
        errors: [{ pointer, detail: "too long" }],
      },
    });
  }
}

const patterns = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (regex === undefined) {
    regex = new RegExp(pattern, "u");
    patterns.set(pattern, regex);
  }
  return regex;
}

function limitExtension(name: string | undefined, limit: number): Record<string, number> {
  return name === undefined ? {} : { [name]: limit };
}
