import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import request from "supertest";
import { createDeidentifier } from "../src/deid/index";
import { createLogger } from "../src/logger";
import { buildTestApp, captureLogs } from "./support/app";
import { writeClientsFile } from "./support/clients";
import { RecordingBackend } from "./support/doubles";

const PHI = [
  "Margaret Oyelaran-Whitfield",
  "MRN 88412093",
  "078-05-1120",
  "(617) 555-0143",
  "margaret.ow@examplemail.com",
  "04/22/1957",
  "1427 Beacon Street",
];
const NOTE = `Patient ${PHI[0]}, ${PHI[1]}, SSN ${PHI[2]}, phone ${PHI[3]}, email ${PHI[4]}, born ${PHI[5]}, lives at ${PHI[6]}. Feels better.`;
const CLIENT_SECRET = "log-test-client-secret-value";

describe("logs never contain PHI, texts, tokens or secrets", () => {
  it("writes one audit record per request with identities and PHI counts, and none of the content", async () => {
    const clients = await writeClientsFile([
      { clientId: "audit-client", secret: CLIENT_SECRET, scopes: ["inference:invoke", "phi:deidentify"] },
    ]);
    const deidentifier = createDeidentifier({
      operators: {},
      defaultOperator: "replace",
      strict: true,
      key: randomBytes(32),
      maxShiftDays: 365,
    });
    const t = await buildTestApp({
      oauthClientsFile: clients,
      deidentifier,
      backend: new RecordingBackend(),
      env: { LOG_LEVEL: "trace", MAX_TEXT_CHARS: "400" },
    });
    const issued = await request(t.app)
      .post("/oauth2/token")
      .type("form")
      .send({ grant_type: "client_credentials", client_id: "audit-client", client_secret: CLIENT_SECRET })
      .expect(200);
    const token: string = issued.body.access_token;
    const auth = { Authorization: `Bearer ${token}` };

    await request(t.app).post("/v1/sentiment").set(auth).send({ text: NOTE }).expect(200);
    await request(t.app)
      .post("/v1/sentiment/batch")
      .set(auth)
      .send({ texts: [NOTE, NOTE] })
      .expect(200);
    const deid = await request(t.app).post("/v1/deidentify").set(auth).send({ text: NOTE }).expect(200);
    for (const phi of PHI) assert.ok(!deid.body.text.includes(phi), `the de-identifier removed ${phi}`);
    // Error paths: parser errors, validation errors, auth errors and 404s carry PHI in the request too.
    await request(t.app).post("/v1/sentiment").set(auth).type("json").send(`{"text": "${PHI[0]}`).expect(400);
    await request(t.app)
      .post("/v1/sentiment")
      .set(auth)
      .send({ text: NOTE.repeat(3) })
      .expect(413);
    await request(t.app)
      .post("/v1/sentiment")
      .set(auth)
      .send({ text: NOTE, [PHI[0] as string]: PHI[2] })
      .expect(422);
    await request(t.app)
      .post(`/v1/sentiment?access_token=${token}&name=${PHI[0]}`)
      .send({ text: NOTE })
      .expect(400);
    await request(t.app).post("/v1/sentiment").set("Authorization", `Bearer ${token}x`).send({ text: NOTE });
    await request(t.app)
      .get(`/patients/${encodeURIComponent(PHI[0] as string)}`)
      .expect(404);
    await request(t.app)
      .post("/oauth2/token")
      .type("form")
      .send({
        grant_type: "client_credentials",
        client_id: "audit-client",
        client_secret: `${CLIENT_SECRET}!`,
      })
      .expect(401);

    const output = t.logs.text();
    for (const secret of [
      ...PHI,
      token,
      token.split(".")[2] as string,
      CLIENT_SECRET,
      "Oyelaran",
      "Beacon",
    ]) {
      assert.ok(!output.includes(secret), `log output must not contain ${secret.slice(0, 12)}…`);
    }

    const audit = t.logs.lines.map((l) => JSON.parse(l)).filter((r) => r.audit === true);
    assert.equal(audit.length, 11, "one audit record per request");
    const sentiment = audit.find((r) => r.route === "/v1/sentiment" && r.status === 200);
    assert.equal(sentiment.sub, "audit-client");
    assert.equal(sentiment.client_id, "audit-client");
    assert.deepEqual(sentiment.scopes, ["inference:invoke", "phi:deidentify"]);
    assert.equal(typeof sentiment.latencyMs, "number");
    assert.equal(typeof sentiment.requestId, "string");
    assert.ok(sentiment.phi.count >= 5);
    assert.ok(sentiment.phi.types.NAME >= 1);
    const batch = audit.find((r) => r.route === "/v1/sentiment/batch");
    assert.equal(batch.phi.count, sentiment.phi.count * 2);
    const rejected = audit.find((r) => r.authFailure === "bad_signature");
    assert.equal(rejected.status, 401);
    const unmatched = audit.find((r) => r.status === 404);
    assert.equal(unmatched.route, "unmatched");
  });

  it("redacts text, token and secret fields even if a call site logs them by mistake", () => {
    const logs = captureLogs();
    const logger = createLogger("info", logs.stream);
    const leakedToken = "eyJleaked.token.value";
    logger.info({
      text: PHI[0],
      body: { text: PHI[1] },
      token: leakedToken,
      req: { headers: { authorization: "B x" } },
    });
    logger.info({ texts: [PHI[2]], payload: { client_secret: CLIENT_SECRET, access_token: leakedToken } });
    for (const secret of [PHI[0], PHI[1], PHI[2], CLIENT_SECRET, leakedToken, "B x"] as string[]) {
      assert.ok(!logs.text().includes(secret), `${secret} is redacted`);
    }
    assert.equal(logs.lines.length, 2);
  });
});
