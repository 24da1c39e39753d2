/**
 * The stack <-> gateway contract, checked end to end: the gateway Deployment the stack renders, with every
 * Secret and ConfigMap it mounts written out as files, is a configuration the gateway's own parseConfig and
 * file readers accept. A renamed variable, a moved mount or a hash the gateway cannot read fails here.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GATEWAY_PORTS, MOUNTS, mountedPath } from "@clinical-inference/gateway/deployment-contract";
import { parseConfig } from "../gateway/src/config";
import { parseClients } from "../gateway/src/oauth/clients";
import { type Built, buildWorkloads } from "./support/workloads-fixture";

/**
 * The gateway's own DEID_KEY_FILE reader, run in a child process: its module loads the ESM-only jose, which
 * Jest's CommonJS runtime cannot.
 */
function deidKeyLength(file: string): number {
  const script = `process.stdout.write(String(require("./gateway/src/local-dev").readDeidKey(process.argv[1]).length))`;
  const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script, file], {
    cwd: path.resolve(__dirname, ".."),
    encoding: "utf8",
  });
  return Number(out);
}

interface Mounted {
  env: Record<string, string>;
  root: string;
}

/** Writes each mounted Secret/ConfigMap under `root` + its mount path and points the env at those files. */
function materialise(built: Built, root: string): Mounted {
  const deployment = built.manifest("Deployment", "gateway", "gateway");
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const mountPaths: string[] = [];
  for (const mount of container.volumeMounts as { name: string; mountPath: string }[]) {
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
    const dir = path.join(root, mount.mountPath);
    fs.mkdirSync(dir, { recursive: true });
    mountPaths.push(mount.mountPath);
    const files: Record<string, string> = volume.secret
      ? built.manifest("Secret", volume.secret.secretName, "gateway").stringData
      : volume.configMap
        ? built.manifest("ConfigMap", volume.configMap.name, "gateway").data
        : {};
    for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), content);
  }
  const env: Record<string, string> = {};
  for (const { name, value } of container.env as { name: string; value: string }[]) {
    const mounted = mountPaths.some((m) => value.startsWith(`${m}/`));
    env[name] = mounted ? path.join(root, value) : value;
  }
  return { env, root };
}

test.each(["dev", "prod"] as const)(
  "the gateway accepts the %s Deployment's environment and mounted files",
  async (kind) => {
    const built = await buildWorkloads(kind);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "gateway-contract-"));
    try {
      const { env } = materialise(built, root);
      const config = parseConfig(env);

      expect(config.mode).toBe("configured");
      expect([config.http.port, config.http.metricsPort]).toEqual([
        GATEWAY_PORTS.http,
        GATEWAY_PORTS.metrics,
      ]);
      expect(config.backend.kind).toBe("triton");
      expect(config.auth.jwks).toEqual({ kind: "file", path: path.join(root, mountedPath(MOUNTS.jwks)) });
      const jwks = JSON.parse(fs.readFileSync(path.join(root, mountedPath(MOUNTS.jwks)), "utf8"));
      expect(jwks.keys.length).toBeGreaterThan(0);
      expect(config.oauth).toBeDefined();
      const clientsFile = config.oauth?.clientsFile as string;
      const clients = parseClients(JSON.parse(fs.readFileSync(clientsFile, "utf8")), clientsFile);
      expect([...clients.keys()].sort()).toEqual(["deid-batch", "ehr-integration"]);
      expect(fs.readFileSync(config.oauth?.signingKeyFile as string, "utf8")).toContain("PRIVATE KEY");
      expect(deidKeyLength(config.deid.keyFile)).toBeGreaterThanOrEqual(32);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
);
