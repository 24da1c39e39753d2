import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../src/logger";
import { batchObserver, createMetrics } from "../src/metrics";
import { startGateway } from "../src/server";
import { captureLogs, testConfig } from "./support/app";
import { DictionaryDeidentifier, RecordingBackend } from "./support/doubles";
import { createTestKeys } from "./support/keys";

describe("Prometheus metrics on METRICS_PORT", () => {
  it("serves request, latency, auth, backend, queue, in-flight and batch metrics on a separate listener", async () => {
    const keys = await createTestKeys();
    const metrics = createMetrics();
    const running = await startGateway({
      config: testConfig(keys),
      logger: createLogger("silent", captureLogs().stream),
      metrics,
      backend: new RecordingBackend(),
      deidentifier: new DictionaryDeidentifier([["John Smith", "NAME"]]),
    });
    try {
      const api = `http://127.0.0.1:${running.port}`;
      const send = (token: string) =>
        fetch(`${api}/v1/sentiment`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify({ text: "John Smith is good" }),
        });
      assert.equal((await send(await keys.mint())).status, 200);
      assert.equal((await send(await keys.mint({ aud: "other" }))).status, 401);
      batchObserver(metrics)(8, 64);

      const res = await fetch(`http://127.0.0.1:${running.metricsPort}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      for (const line of [
        'gateway_http_requests_total{route="/v1/sentiment",method="POST",status="200"} 1',
        'gateway_http_requests_total{route="/v1/sentiment",method="POST",status="401"} 1',
        'gateway_http_request_duration_seconds_count{route="/v1/sentiment",method="POST",status="200"} 1',
        'gateway_auth_failures_total{reason="wrong_audience"} 1',
        'gateway_backend_duration_seconds_count{backend="embedded",outcome="ok"} 1',
        'gateway_backend_batch_size_count{sequence_bucket="64"} 1',
        'gateway_phi_entities_total{type="NAME"} 1',
        "gateway_backend_inflight_requests 0",
        "gateway_pending_requests 0",
        "gateway_backend_queue_depth 0",
        "process_cpu_user_seconds_total",
      ]) {
        assert.ok(text.includes(line), `metrics include ${line}`);
      }
      assert.doesNotMatch(text, /John|Smith/);
      assert.equal((await fetch(`http://127.0.0.1:${running.metricsPort}/other`)).status, 404);
      assert.equal((await fetch(`${api}/metrics`)).status, 404, "metrics are not on the API port");
    } finally {
      await running.shutdown("test");
    }
  });
});
