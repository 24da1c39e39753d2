/**
 * Every IAM policy document a mocked program run registers, found by shape rather than by a list of resource
 * types: any input (JSON string or object) with a `Statement` array, so a policy added by a new component is
 * linted without anyone remembering to list it. Each is named `<type> <logical name> <input>`.
 */

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { requireVenvPython } from "../../gateway/test/support/synthetic-model";
import type { MockedStack } from "./pulumi-mocks";

const LINTER = path.join(__dirname, "iam_lint.py");

export interface IamDocument {
  name: string;
  document: unknown;
}

export interface LintFinding {
  issue: string;
  severity: string;
  title: string;
  detail: unknown;
  location: unknown;
}

function asPolicy(value: unknown): unknown {
  let parsed = value;
  if (typeof value === "string") {
    if (!value.trimStart().startsWith("{")) return undefined;
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const statement = (parsed as { Statement?: unknown } | null)?.Statement;
  return parsed !== null &&
    typeof parsed === "object" &&
    (Array.isArray(statement) || typeof statement === "object")
    ? parsed
    : undefined;
}

export function registeredIamDocuments(mocked: MockedStack): IamDocument[] {
  const documents: IamDocument[] = [];
  for (const resource of mocked.resources) {
    for (const [input, value] of Object.entries(resource.inputs)) {
      const document = asPolicy(value);
      if (document !== undefined)
        documents.push({ name: `${resource.type} ${resource.name} ${input}`, document });
    }
  }
  return documents;
}

/** The committed policy files in a directory (e.g. components/policies/), named by file. */
export function committedIamDocuments(dir: string): IamDocument[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({
      name: path.join(path.basename(dir), file),
      document: JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")),
    }));
}

/** parliament's findings per document, in input order. */
export function lintIamDocuments(documents: IamDocument[]): { name: string; findings: LintFinding[] }[] {
  const output = execFileSync(requireVenvPython(), [LINTER], {
    input: JSON.stringify(documents),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output) as { name: string; findings: LintFinding[] }[];
}
