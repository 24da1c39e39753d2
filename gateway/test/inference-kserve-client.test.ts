/**
 * Retry and timeout policy of the KServe HTTP transport, exercised against plain local sockets that misbehave
 * in one specific way each (refuse, reset, answer 503, never answer). The protocol itself is tested end to end
 * against a real Triton in triton-backend.test.ts.
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Server as NetServer } from "node:net";
import { after, describe, test } from "node:test";
import { BackendUnavailableError } from "../src/contracts";
import { connectionErrorCode, KServeHttpClient } from "../src/inference/kserve-client";

const servers: (Server | NetServer)[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function listen<S extends Server | NetServer>(server: S): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port that was just free: nothing listens there, so connections are refused. */
async function refusedUrl(): Promise<string> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const get = { method: "GET" as const, path: "/v2/health/ready", timeoutMs: 2000 };

describe("KServe HTTP transport", () => {
  test("a refused connection is retried the configured number of times, then reported as upstream_error", async () => {
    const client = new KServeHttpClient(await refusedUrl(), { retries: 2, retryBaseDelayMs: 1 });
    await assert.rejects(client.send(get), (err: unknown) => {
      assert.ok(err instanceof BackendUnavailableError);
      assert.equal(err.reason, "upstream_error");
      assert.match(err.message, /ECONNREFUSED\) after 3 attempt/);
      return true;
    });
    assert.equal(client.retriesPerformed, 2);
    await client.close();
  });

  test("a connection reset before any response is retried and the retry can succeed", async () => {
    let connections = 0;
    const server = createNetServer((socket) => {
      connections++;
      if (connections === 1) {
        socket.resetAndDestroy();
        return;
      }
      socket.once("data", () => {
        socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}");
      });
    });
    const client = new KServeHttpClient(await listen(server), { retries: 1, retryBaseDelayMs: 1 });
    const response = await client.send(get);
    assert.equal(response.status, 200);
    assert.equal(connections, 2);
    assert.equal(client.retriesPerformed, 1);
    await client.close();
  });

  test("an HTTP 503 is returned to the caller and never retried", async () => {
    let requests = 0;
    const server = createHttpServer((_req, res) => {
      requests++;
      res.writeHead(503, { "content-type": "application/json" }).end('{"error":"busy"}');
    });
    const client = new KServeHttpClient(await listen(server), { retries: 3, retryBaseDelayMs: 1 });
    const response = await client.send(get);
    assert.equal(response.status, 503);
    assert.equal(requests, 1);
    assert.equal(client.retriesPerformed, 0);
    await client.close();
  });

  test("a server that does not answer in time gives a timeout error and is not retried", async () => {
    let requests = 0;
    const server = createHttpServer(() => {
      requests++; // never answers
    });
    const client = new KServeHttpClient(await listen(server), { retries: 3, retryBaseDelayMs: 1 });
    await assert.rejects(client.send({ ...get, timeoutMs: 100 }), (err: unknown) => {
      assert.ok(err instanceof BackendUnavailableError);
      assert.equal(err.reason, "timeout");
      assert.match(err.message, /within 100 ms/);
      return true;
    });
    assert.equal(requests, 1);
    server.closeAllConnections();
    await client.close();
  });

  test("a caller's abort is passed through as the caller's reason, not as an upstream failure", async () => {
    const server = createHttpServer(() => {});
    const client = new KServeHttpClient(await listen(server), { retries: 3 });
    const controller = new AbortController();
    const pending = client.send({ ...get, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("client went away")), 20);
    await assert.rejects(pending, /client went away/);
    server.closeAllConnections();
    await client.close();
  });

  test("connection error codes are recognised through wrapped causes", () => {
    assert.equal(connectionErrorCode({ code: "ECONNREFUSED" }), "ECONNREFUSED");
    assert.equal(connectionErrorCode({ message: "x", cause: { code: "ECONNRESET" } }), "ECONNRESET");
    assert.equal(connectionErrorCode({ code: "UND_ERR_HEADERS_TIMEOUT" }), undefined);
    assert.equal(connectionErrorCode(new Error("plain")), undefined);
  });

  test("an invalid TRITON_URL is rejected with the variable name", () => {
    assert.throws(() => new KServeHttpClient("triton:8000", { retries: 0 }), /TRITON_URL "triton:8000"/);
    assert.throws(() => new KServeHttpClient("ftp://triton", { retries: 0 }), /must use http or https/);
  });
});
