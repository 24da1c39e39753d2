/**
 * Credentials for a throwaway control plane: a self-signed serving certificate for 127.0.0.1 (openssl), the
 * service-account signing key, and a static token per identity (admin in system:masters; the scheduler as
 * system:kube-scheduler, so RBAC's bootstrap roles are what let it work). Everything lives in the run's
 * temporary directory and dies with it.
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export const LOOPBACK = "127.0.0.1";

export interface Identity {
  user: string;
  groups: string[];
  token: string;
}

export interface Pki {
  caFile: string;
  certFile: string;
  keyFile: string;
  serviceAccountKeyFile: string;
  serviceAccountPublicKeyFile: string;
  tokenFile: string;
  admin: Identity;
  scheduler: Identity;
}

export function createPki(dir: string): Pki {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certFile = path.join(dir, "apiserver.crt");
  const keyFile = path.join(dir, "apiserver.key");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=kube-apiserver",
      "-addext",
      `subjectAltName=IP:${LOOPBACK},DNS:localhost`,
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );

  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const serviceAccountKeyFile = path.join(dir, "sa.key");
  const serviceAccountPublicKeyFile = path.join(dir, "sa.pub");
  fs.writeFileSync(serviceAccountKeyFile, privateKey.export({ type: "pkcs8", format: "pem" }), {
    mode: 0o600,
  });
  fs.writeFileSync(serviceAccountPublicKeyFile, publicKey.export({ type: "spki", format: "pem" }));

  const identity = (user: string, groups: string[]): Identity => ({
    user,
    groups,
    token: randomBytes(24).toString("hex"),
  });
  const admin = identity("clinical-test-admin", ["system:masters"]);
  const scheduler = identity("system:kube-scheduler", []);
  const tokenFile = path.join(dir, "tokens.csv");
  // kube-apiserver's --token-auth-file format: token,user,uid,"group1,group2"
  const line = (id: Identity) => `${id.token},${id.user},${id.user},"${id.groups.join(",")}"`;
  fs.writeFileSync(tokenFile, `${[admin, scheduler].map(line).join("\n")}\n`, { mode: 0o600 });

  // A self-signed leaf is its own trust anchor.
  return {
    caFile: certFile,
    certFile,
    keyFile,
    serviceAccountKeyFile,
    serviceAccountPublicKeyFile,
    tokenFile,
    admin,
    scheduler,
  };
}

/** A kubeconfig for one identity against the server at `server`. */
export function writeKubeconfig(file: string, server: string, pki: Pki, id: Identity): string {
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test", cluster: { server, "certificate-authority": pki.caFile } }],
    users: [{ name: id.user, user: { token: id.token } }],
    contexts: [{ name: "test", context: { cluster: "test", user: id.user } }],
    "current-context": "test",
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}
