import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BackendUnavailableError } from "../src/contracts";
import {
  defaultSessions,
  intraOpThreadsPerSession,
  MAX_DEFAULT_SESSIONS,
  OrtSessionPool,
  type PooledSession,
} from "../src/inference/ort-session-pool";

/** A session double: serves as `name` until told to restart or give up. */
class FakeSession implements PooledSession<string> {
  state: "serving" | "restarting" | "gave_up" = "serving";
  closed = false;
  constructor(readonly name: string) {}
  get current(): string | undefined {
    return this.state === "serving" ? this.name : undefined;
  }
  get live(): boolean {
    return this.state !== "gave_up";
  }
  serving(): string {
    if (this.state === "serving") return this.name;
    throw new BackendUnavailableError(`${this.name} is ${this.state}`, "not_ready");
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A task that holds its session until released, and says which worker it ran on. */
function held() {
  let release = () => {};
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  let ranOn: string | undefined;
  const task = async (worker: string) => {
    ranOn = worker;
    await done;
    return worker;
  };
  return { task, release, ranOn: () => ranOn };
}

describe("ONNX Runtime session pool", () => {
  it("a batch goes to an idle session while another session runs one", async () => {
    const pool = new OrtSessionPool([new FakeSession("a"), new FakeSession("b")]);
    const first = held();
    const running = pool.run(first.task);
    assert.equal(first.ranOn(), "a");
    assert.equal(await pool.run(async (w) => w), "b");
    first.release();
    assert.equal(await running, "a");
    assert.equal(await pool.run(async (w) => w), "a", "a is idle again once its batch finished");
  });

  it("a session that is restarting is skipped while another one serves", async () => {
    const a = new FakeSession("a");
    const pool = new OrtSessionPool([a, new FakeSession("b")]);
    a.state = "restarting";
    assert.equal(pool.serving, true);
    assert.equal(await pool.run(async (w) => w), "b");
  });

  it("with every session restarting a batch fails at once with the restart as its reason", async () => {
    const a = new FakeSession("a");
    const b = new FakeSession("b");
    const pool = new OrtSessionPool([a, b]);
    a.state = "restarting";
    b.state = "restarting";
    assert.equal(pool.serving, false);
    assert.throws(() => pool.assertServing(), { name: "BackendUnavailableError", message: /restarting/ });
    await assert.rejects(
      pool.run(async () => "never"),
      { name: "BackendUnavailableError" },
    );
  });

  it("the pool is live only while every session is live, so one session that gave up fails /healthz", () => {
    const a = new FakeSession("a");
    const pool = new OrtSessionPool([a, new FakeSession("b")]);
    assert.equal(pool.live, true);
    a.state = "gave_up";
    assert.equal(pool.live, false);
    assert.equal(pool.serving, true, "the other session still answers until the pod is replaced");
  });

  it("closing the pool closes every session", async () => {
    const sessions = [new FakeSession("a"), new FakeSession("b")];
    await new OrtSessionPool(sessions).close();
    assert.deepEqual(
      sessions.map((s) => s.closed),
      [true, true],
    );
  });

  it("an empty pool is refused when it is built", () => {
    assert.throws(() => new OrtSessionPool([]), /at least one session/);
  });

  it("ORT_SESSIONS defaults to one session per core, at most MAX_DEFAULT_SESSIONS", () => {
    assert.equal(defaultSessions(1), 1);
    assert.equal(defaultSessions(2), 2);
    assert.equal(defaultSessions(64), MAX_DEFAULT_SESSIONS);
  });

  it("ORT_INTRA_OP_THREADS 0 shares the cores among several sessions, one thread at least, and a set value is kept", () => {
    assert.equal(intraOpThreadsPerSession(0, 1, 8), 0, "one session: ONNX Runtime's own default");
    assert.equal(intraOpThreadsPerSession(0, 2, 8), 4);
    assert.equal(intraOpThreadsPerSession(0, 4, 2), 1);
    assert.equal(intraOpThreadsPerSession(3, 2, 8), 3);
  });
});
