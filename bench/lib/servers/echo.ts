/** A bare Express JSON echo (bench/servers/express-echo.ts): the floor the gateway's own cost is compared with. */
import path from "node:path";
import type { Subject } from "../subject";
import { textBodies } from "../workload";
import type { LocalContext } from "./context";
import { baseProcessEnv, freePort, nodeWithTsx, startServer } from "./process";

export async function expressEchoSubject(ctx: LocalContext): Promise<Subject> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  ctx.progress.status("gateway-overhead/express-echo: starting");
  const proc = await startServer({
    name: "express-echo",
    ...nodeWithTsx(path.join(ctx.repoRoot, "bench", "servers", "express-echo.ts")),
    cwd: ctx.repoRoot,
    env: { ...baseProcessEnv(), PORT: String(port), HOST: "127.0.0.1" },
    logFile: path.join(ctx.runDir, "express-echo.log"),
    readyUrl: `${origin}/healthz`,
    readyTimeoutS: 60,
  });
  return {
    id: "gateway-overhead/express-echo",
    scenario: "gateway-overhead",
    label: "bare Express JSON echo",
    description:
      "Express 5 with express.json(), answering the parsed body: the floor any Express service pays.",
    instrument:
      "bare Express echo: the reference the gateway's own cost is compared with; no auth, no model.",
    server: { process: "node bench/servers/express-echo.ts" },
    target: { origin, path: "/v1/sentiment", headers: {}, bodies: textBodies(ctx.workload.items) },
    pids: [proc.pid],
    paddedLengths: null,
    batchCounters: async () => null,
    stop: () => proc.stop(),
  };
}
