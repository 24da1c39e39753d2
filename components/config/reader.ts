import * as pulumi from "@pulumi/pulumi";

/** Thrown by loadConfig with every problem found, one per line. RunError: Pulumi prints it without a stack trace. */
export class StackConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "StackConfigError";
  }
}

/**
 * Reads typed values from one config namespace, recording problems instead of throwing so that a user sees
 * every mistake in one run.
 */
export class ConfigReader {
  readonly problems: string[] = [];
  private readonly config: pulumi.Config;

  constructor(
    readonly namespace: string,
    readonly stack: string,
  ) {
    this.config = new pulumi.Config(namespace);
  }

  /** The exact command that sets `key` on this stack. */
  fix(key: string, example: string, secret = false): string {
    const value = /[\s"'{}[\]]/.test(example) ? `'${example}'` : example;
    return `pulumi config set${secret ? " --secret" : ""} ${key} ${value} -s ${this.stack}`;
  }

  problem(key: string, message: string, example: string, secret = false): void {
    this.problems.push(`${this.namespace}:${key} ${message}; set it with: ${this.fix(key, example, secret)}`);
  }

  raw(key: string): string | undefined {
    const value = this.config.get(key);
    return value === undefined || value === "" ? undefined : value;
  }

  string(key: string, fallback: string): string;
  string(key: string, fallback: undefined): string | undefined;
  string(key: string, fallback: string | undefined): string | undefined {
    return this.raw(key) ?? fallback;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
      this.problem(key, `must be a whole number, got "${raw}"`, String(fallback));
      return fallback;
    }
    if (value < min || value > max) {
      this.problem(key, `must be between ${min} and ${max}, got ${value}`, String(fallback));
      return fallback;
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if (raw === "true") return true;
    if (raw === "false") return false;
    this.problem(key, `must be true or false, got "${raw}"`, String(fallback));
    return fallback;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problem(key, `must be one of ${allowed.join(", ")}, got "${raw}"`, fallback);
    return fallback;
  }

  /** A JSON value (YAML lists/maps in Pulumi.<stack>.yaml arrive as JSON). */
  json(key: string, example: string): unknown {
    const raw = this.raw(key);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      this.problem(key, "must be a JSON/YAML list or object", example);
      return undefined;
    }
  }

  stringList(key: string, fallback: string[], example: string): string[] {
    const value = this.json(key, example);
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
      this.problem(key, "must be a list of strings", example);
      return fallback;
    }
    return value as string[];
  }
}

/** What every section reader needs besides the reader: the stack and whether prod rules apply. */
export interface SectionContext {
  project: string;
  stack: string;
  prod: boolean;
}

/** The dev or the prod default. */
export function byEnv<T>(ctx: SectionContext, dev: T, prod: T): T {
  return ctx.prod ? prod : dev;
}
