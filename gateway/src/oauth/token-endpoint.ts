import express, { type Request, type RequestHandler, type Response } from "express";
import { HttpProblem } from "../problem";
import type { ClientRegistration } from "./clients";
import { hashSecret, parseSecretHash, verifySecret } from "./secret-hash";
import type { TokenSigner } from "./signer";

/**
 * POST /oauth2/token: the client-credentials grant (RFC 6749 §4.4). Errors use the OAuth2 error format of
 * §5.2 (not problem+json) because OAuth2 client libraries parse exactly that shape.
 */

export interface TokenEndpointOptions {
  signer: TokenSigner;
  clients: ReadonlyMap<string, ClientRegistration>;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /**
   * Rate limit, checked before the (deliberately slow) secret hash. Keyed by the claimed client id when it is
   * registered and by one shared key for unknown ids, so guessing costs the same behind any proxy.
   */
  rateLimit?: (key: string) => { allowed: boolean; retryAfterSeconds: number };
  /** Called with the outcome so the app can audit and count it; never receives the secret. */
  onResult?: (res: Response, outcome: { clientId?: string; scopes?: string[]; error?: string }) => void;
}

type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope";

class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly basicChallenge = false,
  ) {
    super(description);
  }
}

class RateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("rate limited");
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, " "));
}

/** RFC 6749 §2.3.1: Basic credentials are form-encoded before base64. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) throw new OAuthError("invalid_client", "Authorization header must be HTTP Basic", true);
  const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0)
    throw new OAuthError("invalid_client", "Basic credentials must be client_id:client_secret", true);
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError("invalid_client", "Basic credentials are not form-encoded", true);
  }
}

function singleParam(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new OAuthError("invalid_request", `${name} must appear once`);
  return value;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function createTokenEndpoint(options: TokenEndpointOptions): RequestHandler[] {
  // Unknown clients still pay one scrypt so response time does not reveal which client ids exist.
  const decoy = hashSecret("decoy-secret-for-unknown-clients").then(parseSecretHash);
  const formParser = express.urlencoded({
    extended: false,
    limit: "8kb",
    parameterLimit: 20,
    inflate: false,
  });

  const handle = async (req: Request, res: Response): Promise<void> => {
    let clientId: string | undefined;
    try {
      if (!req.is("application/x-www-form-urlencoded")) {
        throw new OAuthError("invalid_request", "Content-Type must be application/x-www-form-urlencoded");
      }
      const body = (req.body ?? {}) as Record<string, unknown>;
      const basic = basicCredentials(req.headers.authorization);
      const formId = singleParam(body, "client_id");
      const formSecret = singleParam(body, "client_secret");
      if (basic && formSecret !== undefined) {
        throw new OAuthError("invalid_request", "Use exactly one client authentication method");
      }
      if (basic && formId !== undefined && formId !== basic.id) {
        throw new OAuthError("invalid_request", "client_id does not match the Basic credentials");
      }
      const credentials =
        basic ??
        (formId !== undefined && formSecret !== undefined ? { id: formId, secret: formSecret } : undefined);
      if (!credentials) {
        throw new OAuthError("invalid_client", "Client authentication is required", true);
      }
      const client = options.clients.get(credentials.id);
      const decision = options.rateLimit?.(client ? `client:${client.clientId}` : "unregistered-client-ids");
      if (decision && !decision.allowed) throw new RateLimited(decision.retryAfterSeconds);
      const valid = await verifySecret(credentials.secret, client?.secretHash ?? (await decoy));
      if (!client || !valid) throw new OAuthError("invalid_client", "Client authentication failed", !!basic);
      clientId = client.clientId;

      const grantType = singleParam(body, "grant_type");
      if (grantType === undefined) throw new OAuthError("invalid_request", "grant_type is required");
      if (grantType !== "client_credentials") {
        throw new OAuthError("unsupported_grant_type", "Only grant_type=client_credentials is supported");
      }
      const requested = singleParam(body, "scope");
      let scopes: string[];
      if (requested === undefined || requested.trim() === "") {
        scopes = [...client.scopes];
      } else {
        scopes = [...new Set(requested.split(" ").filter((s) => s !== ""))];
        if (scopes.some((s) => !SCOPE_TOKEN.test(s))) {
          throw new OAuthError("invalid_scope", "scope must be space-separated scope tokens");
        }
        if (scopes.some((s) => !client.scopes.includes(s))) {
          throw new OAuthError("invalid_scope", "The requested scope exceeds the client's registration");
        }
      }
      const scope = scopes.join(" ");
      const accessToken = await options.signer.sign({
        issuer: options.issuer,
        audience: options.audience,
        clientId: client.clientId,
        scope,
        ttlSeconds: options.ttlSeconds,
      });
      options.onResult?.(res, { clientId, scopes });
      res
        .status(200)
        .set({ "Cache-Control": "no-store", Pragma: "no-cache" })
        .json({ access_token: accessToken, token_type: "Bearer", expires_in: options.ttlSeconds, scope });
    } catch (err) {
      if (err instanceof RateLimited) {
        options.onResult?.(res, { clientId, error: "rate_limited" });
        throw new HttpProblem("rate-limited", "Too many token requests for this client", {
          headers: { "Retry-After": String(err.retryAfterSeconds) },
        });
      }
      if (!(err instanceof OAuthError)) throw err;
      options.onResult?.(res, { clientId, error: err.code });
      if (err.code === "invalid_client" && err.basicChallenge) {
        res.setHeader("WWW-Authenticate", 'Basic realm="clinical-inference", charset="UTF-8"');
      }
      res
        .status(err.code === "invalid_client" ? 401 : 400)
        .set({ "Cache-Control": "no-store", Pragma: "no-cache" })
        .json({ error: err.code, error_description: err.description });
    }
  };

  const parse: RequestHandler = (req, res, next) => {
    formParser(req, res, (err?: unknown) => {
      if (err) {
        const status = (err as { status?: number }).status === 413 ? 413 : 400;
        options.onResult?.(res, { error: "invalid_request" });
        res.status(status).set({ "Cache-Control": "no-store" }).json({
          error: "invalid_request",
          error_description: "The request body could not be read as a form",
        });
        return;
      }
      next();
    });
  };
  return [parse, handle];
}
