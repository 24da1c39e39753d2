import assert from "node:assert/strict";
import { describe, it } from "node:test";
import request from "supertest";
import type { Route } from "../src/http/route";
import { buildOpenApiDocument } from "../src/openapi";
import { buildTestApp } from "./support/app";
import { servedRoutes } from "./support/served-routes";

type Document = {
  paths: Record<string, Record<string, { security: unknown[]; requestBody?: unknown }>>;
  components: {
    schemas: Record<
      string,
      { properties: Record<string, { maxLength: number; maxItems: number; pattern: string }> }
    >;
    securitySchemes: { oauth2: { flows: { clientCredentials: { scopes: Record<string, string> } } } };
  };
};

async function documentOf(t: Awaited<ReturnType<typeof buildTestApp>>): Promise<Document> {
  return (await request(t.app).get("/openapi.json").expect(200)).body as Document;
}

function property(doc: Document, schema: string, name: string) {
  const found = doc.components.schemas[schema]?.properties[name];
  assert.ok(found, `${schema} has ${name}`);
  return found;
}

/** Documented operations as "METHOD path", HEAD implied by GET as the app serves it. */
function documented(doc: Document): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item).flatMap((m) =>
      m === "get" ? [`GET ${path}`, `HEAD ${path}`] : [`${m.toUpperCase()} ${path}`],
    ),
  );
}

describe("OpenAPI document", () => {
  it("documents exactly the operations the app serves: nothing served is undocumented, nothing documented is missing", async () => {
    const t = await buildTestApp();
    const served = [...(await servedRoutes(t.app))].flatMap(([path, methods]) =>
      methods.map((m) => `${m} ${path}`),
    );
    assert.deepEqual(served.sort(), documented(await documentOf(t)).sort());
  });

  it("documents the token endpoint as disabled when this gateway does not issue tokens", async () => {
    const doc = await documentOf(await buildTestApp());
    assert.match(JSON.stringify(doc.paths["/oauth2/token"]), /not enabled in this deployment/);
  });

  it("the request schemas it publishes are the limits the gateway enforces", async () => {
    const t = await buildTestApp({ env: { MAX_TEXT_CHARS: "40", MAX_BATCH_TEXTS: "2" } });
    const doc = await documentOf(t);
    const maxLength = property(doc, "SentimentRequest", "text").maxLength;
    const maxItems = property(doc, "SentimentBatchRequest", "texts").maxItems;
    assert.deepEqual([maxLength, maxItems], [40, 2]);
    const token = await t.keys.mint();
    const post = (path: string, body: object) =>
      request(t.app).post(path).set("Authorization", `Bearer ${token}`).send(body);
    await post("/v1/sentiment", { text: "a".repeat(maxLength) }).expect(200);
    const long = await post("/v1/sentiment", { text: "a".repeat(maxLength + 1) }).expect(413);
    assert.equal(
      long.body.maxTextChars,
      maxLength,
      "the problem names the limit the schema marks with x-limit",
    );
    await post("/v1/sentiment/batch", { texts: Array(maxItems).fill("ok") }).expect(200);
    const many = await post("/v1/sentiment/batch", { texts: Array(maxItems + 1).fill("ok") }).expect(413);
    assert.equal(many.body.maxBatchTexts, maxItems);
  });

  it("a whitespace-only text breaks the published pattern and is refused", async () => {
    const t = await buildTestApp();
    const pattern = property(await documentOf(t), "DeidentifyRequest", "text").pattern;
    assert.equal(new RegExp(pattern, "u").test(" \t\n"), false);
    const res = await request(t.app)
      .post("/v1/deidentify")
      .set("Authorization", `Bearer ${await t.keys.mint({ scope: "phi:deidentify" })}`)
      .send({ text: " \t\n" })
      .expect(422);
    assert.equal(res.body.type, "urn:clinical-inference:problem:empty-text");
  });

  it("scoped operations require their scope and public ones require nothing", async () => {
    const doc = await documentOf(await buildTestApp());
    assert.deepEqual(doc.paths["/v1/deidentify"]?.post?.security, [{ oauth2: ["phi:deidentify"] }]);
    assert.deepEqual(doc.paths["/healthz"]?.get?.security, []);
    assert.deepEqual(
      Object.keys(doc.components.securitySchemes.oauth2.flows.clientCredentials.scopes).sort(),
      ["inference:invoke", "phi:deidentify"],
    );
  });

  it("every schema an operation references is defined in the document", async () => {
    const doc = await documentOf(await buildTestApp());
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    for (const ref of new Set(refs)) {
      const name = ref.slice("#/components/schemas/".length);
      assert.ok(doc.components.schemas[name], `${name} is defined`);
    }
  });

  it("refuses two routes that publish different schemas under one name", () => {
    const route = (path: string, schema: object): Route => ({
      method: "GET",
      path,
      operationId: path,
      summary: path,
      responses: {},
      schemas: { Shared: schema },
      handler: () => undefined,
    });
    assert.throws(
      () => buildOpenApiDocument([route("/a", { type: "string" }), route("/b", { type: "integer" })]),
      /\/b defines schema Shared differently/,
    );
  });
});
