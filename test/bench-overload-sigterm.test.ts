/** How the overload bench judges a SIGTERM run: from the client's recording and the gateway's own audit log. */
import type { OpenLoopRecording, RecordedRequest } from "../bench/lib/overload/driver";
import { readGatewayLog, sigtermFault } from "../bench/lib/overload/summary";

const SIGNAL_AT = 1000;

function request(id: string, due: number, done: number, status: RecordedRequest["status"]): RecordedRequest {
  return { id, due, done, status };
}

const recording: OpenLoopRecording = {
  rate: 10,
  runId: "r",
  startedAt: 0,
  requests: [
    request("r-1", 900, 950, 200), // answered before the signal
    request("r-2", 950, 1100, 200), // in flight at the signal, answered
    request("r-3", 990, 1010, "error"), // reset: did the gateway read it?
    request("r-4", 1100, 1101, "error"), // sent after the signal, refused
  ],
};

function gatewayLog(lines: object[]): string {
  return `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
}

describe("the SIGTERM case of the overload bench", () => {
  test("a reset request the gateway never logged, after an unforced drain, counts as reset before the gateway, not lost", () => {
    const log = readGatewayLog(
      gatewayLog([
        { audit: true, requestId: "r-1", status: 200 },
        { audit: true, requestId: "r-2", status: 200 },
        { msg: "drained", forced: false },
      ]),
    );
    expect(sigtermFault(recording, SIGNAL_AT, log)).toEqual({
      inFlightAtSignal: 2,
      acceptedLost: 0,
      resetBeforeGateway: 1,
      refusedAfterSignal: 1,
    });
  });

  test("a reset request the gateway logged as answered counts as lost", () => {
    const log = readGatewayLog(
      gatewayLog([
        { audit: true, requestId: "r-3", status: 200 },
        { msg: "drained", forced: false },
      ]),
    );
    expect(sigtermFault(recording, SIGNAL_AT, log).acceptedLost).toBe(1);
  });

  test("after a forced drain, or with no drain line at all, every failed request counts as lost", () => {
    for (const lines of [[{ msg: "drained", forced: true }], []]) {
      const fault = sigtermFault(recording, SIGNAL_AT, readGatewayLog(gatewayLog(lines)));
      expect(fault.acceptedLost).toBe(1);
      expect(fault.resetBeforeGateway).toBe(0);
    }
  });

  test("a partial last line of a killed gateway is skipped", () => {
    const log = readGatewayLog(`${gatewayLog([{ audit: true, requestId: "r-3" }])}{"audit":tr`);
    expect([...log.answeredIds]).toEqual(["r-3"]);
  });
});
