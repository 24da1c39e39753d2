/** Protobuf text format, the syntax of Triton's config.pbtxt, written from ordered fields. */

/** A protobuf text-format message: ordered fields; a repeated field appears once per value. */
export type Field = [name: string, value: Scalar | Message];
export type Scalar = string | number | boolean | Enum | number[];
export type Message = Field[];
export class Enum {
  constructor(readonly name: string) {}
}

function isMessage(value: Scalar | Message): value is Message {
  return Array.isArray(value) && (value.length === 0 || Array.isArray(value[0]));
}

function renderScalar(value: Scalar): string {
  if (value instanceof Enum) return value.name;
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.join(", ")}]`;
  return String(value);
}

export function renderMessage(fields: Message, indent: string): string {
  return fields
    .map(([name, value]) =>
      isMessage(value)
        ? `${indent}${name} {\n${renderMessage(value, `${indent}  `)}${indent}}\n`
        : `${indent}${name}: ${renderScalar(value as Scalar)}\n`,
    )
    .join("");
}
