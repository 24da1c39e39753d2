import { createHash, createPublicKey, type JsonWebKey } from "node:crypto";
import {
  type ClientsFile,
  GATEWAY_ENV,
  hashSecret,
  MIN_CLIENT_SECRET_CHARS,
  MOUNTS,
  mountedPath,
  type OAuthScope,
  SCRYPT_DEFAULTS,
} from "@clinical-inference/gateway/deployment-contract";
import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { standardLabels } from "./labels";

/**
 * Token material for the gateway.
 *
 * Stack-issued mode (default): the stack generates ECDSA P-256 signing keys with @pulumi/tls. The private
 * keys exist only in Pulumi's encrypted state; the current one is also in one Kubernetes Secret mounted into the
 * gateway at OAUTH_SIGNING_KEY_FILE. The public JWKS (ConfigMap file for JWT_JWKS_FILE and a stack output)
 * holds a window of three generations, previous, current and next, so bumping the generation is a zero-downtime
 * rotation: every pod of the old rollout already trusts the key the new pods sign with, and the new pods still
 * trust the key of tokens issued before the rotation. OAuth2 client registrations are written to a Secret for OAUTH_CLIENTS_FILE with each client secret
 * scrypt-hashed in the program, so the plaintext client secret never reaches the cluster.
 *
 * External IdP mode: the gateway verifies tokens against the IdP's JWKS URL and issuer; no signing key, no
 * client registrations and no token endpoint exist.
 */

export interface OAuthClient {
  clientId: string;
  scopes: OAuthScope[];
}

export type TokenAuthority =
  | {
      mode: "stack";
      /** `iss` of the tokens the gateway mints (and expects). */
      issuer: string;
      clients: OAuthClient[];
      /** clientId -> client secret (a secret Output from config); required when `clients` is not empty. */
      clientSecrets?: pulumi.Input<Record<string, string>>;
      /** Generation of the key that signs (>= 1); default 1. */
      signingKeyGeneration?: number;
    }
  | { mode: "external"; issuer: string; jwksUrl: string };

export interface JwtKeysArgs {
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  authority: TokenAuthority;
}

/** What the gateway Deployment needs to consume the material: env, volumes, mounts and a rollout checksum. */
export interface GatewayAuthWiring {
  env: inputs.core.v1.EnvVar[];
  volumes: inputs.core.v1.Volume[];
  volumeMounts: inputs.core.v1.VolumeMount[];
  /** SHA-256 (hex) over all key and client material; not secret, changes whenever the material changes. */
  checksum: pulumi.Output<string>;
}

export const SIGNING_ALGORITHM = "ES256";
/** Owner+group read only; the gateway reads them through its fsGroup. */
export const SECRET_FILE_MODE = 0o440;

/** RFC 7638 JWK thumbprint (SHA-256, base64url) over the required members in lexicographic order. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  let required: Record<string, unknown>;
  switch (jwk.kty) {
    case "EC":
      required = { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
      break;
    case "RSA":
      required = { e: jwk.e, kty: jwk.kty, n: jwk.n };
      break;
    case "OKP":
      required = { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
      break;
    default:
      throw new Error(`cannot compute a JWK thumbprint for key type ${String(jwk.kty)}`);
  }
  for (const [member, value] of Object.entries(required)) {
    if (typeof value !== "string" || value === "")
      throw new Error(`JWK is missing required member "${member}"`);
  }
  // JSON.stringify keeps insertion order, which is the lexicographic order written above.
  return createHash("sha256").update(JSON.stringify(required)).digest("base64url");
}

/** A public JWKS document (as JSON text) for PEM public keys, in the order given. */
export function publicJwks(
  publicKeyPems: string | readonly string[],
  alg: string = SIGNING_ALGORITHM,
): string {
  const pems = typeof publicKeyPems === "string" ? [publicKeyPems] : publicKeyPems;
  const keys = pems.map((pem) => {
    const jwk = createPublicKey(pem).export({ format: "jwk" });
    return { ...jwk, kid: jwkThumbprint(jwk), alg, use: "sig" };
  });
  return JSON.stringify({ keys });
}

export function sha256Hex(...parts: string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(String(part.length)).update(":").update(part);
  return hash.digest("hex");
}

export class JwtKeys extends pulumi.ComponentResource {
  readonly mode: "stack" | "external";
  readonly issuer: string;
  /** Public JWKS JSON; in external mode, the IdP's JWKS URL is the source of truth and this is undefined. */
  readonly jwks: pulumi.Output<string | undefined>;
  readonly jwksUrl: string | undefined;
  /** The key that signs the gateway's tokens (current generation). */
  readonly signingKey?: tls.PrivateKey;
  /** Every key the JWKS publishes: previous (if any), current and next generation. */
  readonly verificationKeys: tls.PrivateKey[] = [];
  readonly wiring: GatewayAuthWiring;

  constructor(name: string, args: JwtKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:workloads:JwtKeys", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const labels = standardLabels({ name: "gateway", component: "auth" });
    const authority = args.authority;
    this.mode = authority.mode;
    this.issuer = authority.issuer;

    if (authority.mode === "external") {
      this.jwks = pulumi.output(undefined);
      this.jwksUrl = authority.jwksUrl;
      this.wiring = {
        env: [
          { name: GATEWAY_ENV.JWT_ISSUER, value: authority.issuer },
          { name: GATEWAY_ENV.JWT_JWKS_URL, value: authority.jwksUrl },
        ],
        volumes: [],
        volumeMounts: [],
        checksum: pulumi.output(sha256Hex("external", authority.issuer, authority.jwksUrl)),
      };
      this.registerOutputs({ issuer: this.issuer, jwksUrl: this.jwksUrl });
      return;
    }

    this.jwksUrl = undefined;
    const clientIds = authority.clients.map((c) => c.clientId);
    const duplicate = clientIds.find((id, i) => clientIds.indexOf(id) !== i);
    if (duplicate !== undefined) throw new Error(`oauthClients lists clientId "${duplicate}" twice`);
    if (authority.clients.length > 0 && authority.clientSecrets === undefined) {
      throw new Error(
        "oauthClients are configured but oauthClientSecrets is not: set each client's secret with " +
          "pulumi config set --secret --path 'oauthClientSecrets.<clientId>' <secret>",
      );
    }

    const generation = authority.signingKeyGeneration ?? 1;
    if (!Number.isInteger(generation) || generation < 1) {
      throw new Error(`jwtSigningKeyGeneration must be an integer >= 1, got ${generation}`);
    }
    // Keys are named by generation, so bumping it creates the key after next, keeps the two that every running
    // pod already trusts, and deletes the one before previous.
    const keyOf = (g: number) =>
      new tls.PrivateKey(
        `${name}-signing-key-${g}`,
        { algorithm: "ECDSA", ecdsaCurve: "P256" },
        { parent: this },
      );
    const window = [generation - 1, generation, generation + 1].filter((g) => g >= 1).map(keyOf);
    this.signingKey = window[generation === 1 ? 0 : 1] as tls.PrivateKey;
    this.verificationKeys = window;
    const jwks = pulumi.all(window.map((key) => key.publicKeyPem)).apply((pems) => publicJwks(pems));
    this.jwks = jwks;

    // One salt per client, created once and kept in state, so the hash (and the gateway) only changes when
    // the secret does.
    const salts = authority.clients.map(
      (client) =>
        new random.RandomBytes(
          `${name}-salt-${client.clientId}`,
          { length: SCRYPT_DEFAULTS.saltBytes },
          { parent: this },
        ).base64,
    );
    const clientsJson = pulumi
      .all([pulumi.output(authority.clientSecrets ?? {}), pulumi.all(salts)])
      .apply(async ([secrets, saltsB64]) => {
        const clients: ClientsFile["clients"] = [];
        for (const [i, client] of authority.clients.entries()) {
          const secret = (secrets as Record<string, string>)[client.clientId];
          if (typeof secret !== "string" || secret.length < MIN_CLIENT_SECRET_CHARS) {
            throw new Error(
              `oauthClientSecrets has no secret of at least ${MIN_CLIENT_SECRET_CHARS} characters for OAuth ` +
                `client "${client.clientId}": pulumi config set --secret --path 'oauthClientSecrets.${client.clientId}' <secret>`,
            );
          }
          const salt = Buffer.from(saltsB64[i] as string, "base64");
          clients.push({
            client_id: client.clientId,
            secret_hash: await hashSecret(secret, { salt }),
            scopes: client.scopes,
          });
        }
        return JSON.stringify({ clients } satisfies ClientsFile);
      });
    const secretClientsJson = pulumi.secret(clientsJson);

    const signingKeySecret = new k8s.core.v1.Secret(
      `${name}-signing-key`,
      {
        metadata: { name: "gateway-oauth-signing-key", namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { [MOUNTS.signingKey.file]: this.signingKey.privateKeyPemPkcs8 },
      },
      child,
    );
    const clientsSecret = new k8s.core.v1.Secret(
      `${name}-clients`,
      {
        metadata: { name: "gateway-oauth-clients", namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { [MOUNTS.clients.file]: secretClientsJson },
      },
      child,
    );
    const jwksConfigMap = new k8s.core.v1.ConfigMap(
      `${name}-jwks`,
      {
        metadata: { name: "gateway-jwks", namespace: args.namespace, labels },
        data: { [MOUNTS.jwks.file]: jwks },
      },
      child,
    );

    // A digest of secret material is safe to show (SHA-256 of a 256-bit key and of scrypt hashes), and
    // showing it is what lets `pulumi preview` display that the gateway will roll.
    const checksum = pulumi.unsecret(
      pulumi
        .all([this.signingKey.privateKeyPemPkcs8, jwks, secretClientsJson])
        .apply(([key, publicSet, clients]) => sha256Hex("stack", authority.issuer, key, publicSet, clients)),
    );

    this.wiring = {
      env: [
        { name: GATEWAY_ENV.JWT_ISSUER, value: authority.issuer },
        { name: GATEWAY_ENV.JWT_ALGORITHMS, value: SIGNING_ALGORITHM },
        { name: GATEWAY_ENV.JWT_JWKS_FILE, value: mountedPath(MOUNTS.jwks) },
        { name: GATEWAY_ENV.OAUTH_SIGNING_KEY_FILE, value: mountedPath(MOUNTS.signingKey) },
        { name: GATEWAY_ENV.OAUTH_CLIENTS_FILE, value: mountedPath(MOUNTS.clients) },
      ],
      volumes: [
        {
          name: "oauth-signing-key",
          secret: { secretName: signingKeySecret.metadata.name, defaultMode: SECRET_FILE_MODE },
        },
        {
          name: "oauth-clients",
          secret: { secretName: clientsSecret.metadata.name, defaultMode: SECRET_FILE_MODE },
        },
        { name: "jwks", configMap: { name: jwksConfigMap.metadata.name } },
      ],
      volumeMounts: [
        { name: "oauth-signing-key", mountPath: MOUNTS.signingKey.dir, readOnly: true },
        { name: "oauth-clients", mountPath: MOUNTS.clients.dir, readOnly: true },
        { name: "jwks", mountPath: MOUNTS.jwks.dir, readOnly: true },
      ],
      checksum,
    };
    this.registerOutputs({ issuer: this.issuer, jwks: this.jwks });
  }
}
