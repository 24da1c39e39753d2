import type { Request, Response } from "express";
import { SCOPES } from "../config";
import { type DeidentifyResult, PHI_TYPES, type PhiCounts, type Prediction, phiSummary } from "../contracts";
import { MODEL_PRECISIONS } from "../deployment-contract";
import { locals } from "../http/request-context";
import { JSON_MEDIA_TYPE, jsonResponse, PROTECTED_ERRORS, problemResponse, type Route } from "../http/route";
import { NON_BLANK, type ObjectSchema, type StringSchema } from "../http/validation";
import { REQUEST_TIMEOUT_HEADER } from "../limits/deadline";
import { createInferencePipeline, type PipelineDeps } from "./inference-pipeline";

export interface InferenceRouteDeps extends PipelineDeps {
  maxTextChars: number;
  maxBatchTexts: number;
}

const phiTypeCounts = {
  type: "object",
  propertyNames: { enum: [...PHI_TYPES] },
  additionalProperties: { type: "integer", minimum: 1 },
};

/** Response schemas of the /v1 routes, published in the OpenAPI document. */
const RESPONSE_SCHEMAS = {
  SentimentResult: {
    type: "object",
    required: ["label", "score", "truncated", "model", "phi", "requestId"],
    properties: {
      label: { enum: ["POSITIVE", "NEGATIVE"] },
      score: { type: "number", minimum: 0, maximum: 1 },
      truncated: {
        type: "boolean",
        description:
          "True when the text was longer than the model's maximum sequence and only its start was classified",
      },
      model: {
        type: "object",
        required: ["name", "version", "synthetic"],
        properties: {
          name: { type: "string" },
          version: { type: "string" },
          synthetic: {
            type: "boolean",
            description: "True when the model has deterministic synthetic weights, not fine-tuned ones",
          },
          precision: {
            enum: [...MODEL_PRECISIONS],
            description: "Model file the embedded backend runs (MODEL_PRECISION); absent behind Triton",
          },
        },
      },
      phi: {
        type: "object",
        required: ["count", "types"],
        properties: { count: { type: "integer", minimum: 0 }, types: phiTypeCounts },
      },
      requestId: { type: "string" },
    },
  },
  SentimentBatchResult: {
    type: "object",
    required: ["results"],
    properties: { results: { type: "array", items: { $ref: "#/components/schemas/SentimentResult" } } },
  },
  DeidentifyResult: {
    type: "object",
    required: ["text", "entities"],
    properties: {
      text: { type: "string" },
      entities: {
        type: "array",
        items: {
          type: "object",
          required: ["type", "start", "end"],
          properties: {
            type: { enum: [...PHI_TYPES] },
            start: { type: "integer", minimum: 0, description: "UTF-16 offset into the input text" },
            end: { type: "integer", minimum: 0, description: "Exclusive UTF-16 offset into the input text" },
          },
        },
      },
    },
  },
};

/** What the sentiment routes answer besides the common errors: their latency budget and its header. */
const BUDGET_ERRORS = {
  "400": problemResponse(
    `Invalid JSON, a body that is not an object, a token in the query string, or a malformed or out-of-range ${REQUEST_TIMEOUT_HEADER} header (integer ms, 1 to REQUEST_DEADLINE_MS)`,
  ),
  "503": problemResponse(
    "Refused at once: the request cannot finish within its latency budget at the current load, slots or the backend queue are full, the backend is unavailable, or a component is not configured (see Retry-After)",
  ),
  "504": problemResponse(
    "The request's latency budget ran out before it was served (deadline-exceeded), or the backend timed out",
  ),
};

const textBody = (text: StringSchema): ObjectSchema => ({
  type: "object",
  required: ["text"],
  additionalProperties: false,
  properties: { text },
});

/** POST /v1/sentiment, /v1/sentiment/batch and /v1/deidentify: PHI is removed before anything else. */
export function inferenceRoutes(deps: InferenceRouteDeps): Route[] {
  const pipeline = createInferencePipeline(deps);
  const text: StringSchema = {
    type: "string",
    minLength: 1,
    maxLength: deps.maxTextChars,
    pattern: NON_BLANK,
    "x-limit": "maxTextChars",
  };
  const texts: ObjectSchema = {
    type: "object",
    required: ["texts"],
    additionalProperties: false,
    properties: {
      texts: {
        type: "array",
        minItems: 1,
        maxItems: deps.maxBatchTexts,
        items: text,
        "x-limit": "maxBatchTexts",
      },
    },
  };

  const item = (res: Response, prediction: Prediction, counts: PhiCounts) => ({
    label: prediction.label,
    score: prediction.score,
    truncated: prediction.truncated,
    model: pipeline.backend().modelInfo(),
    phi: phiSummary(counts),
    requestId: locals(res).requestId,
  });

  return [
    {
      method: "POST",
      path: "/v1/sentiment",
      operationId: "classifySentiment",
      summary: "De-identify one text and classify its sentiment",
      scope: SCOPES.invoke,
      body: { mediaType: JSON_MEDIA_TYPE, name: "SentimentRequest", schema: textBody(text) },
      responses: {
        "200": jsonResponse("The prediction", "SentimentResult"),
        ...PROTECTED_ERRORS,
        ...BUDGET_ERRORS,
      },
      schemas: { SentimentResult: RESPONSE_SCHEMAS.SentimentResult },
      handler: async (req: Request, res: Response) => {
        const { deids, predictions } = await pipeline.classify(req, res, [
          (req.body as { text: string }).text,
        ]);
        const [deid, prediction] = [deids[0], predictions[0]];
        if (deid === undefined || prediction === undefined) throw new Error("the engines returned no result");
        res.json(item(res, prediction, deid.counts));
      },
    },
    {
      method: "POST",
      path: "/v1/sentiment/batch",
      operationId: "classifySentimentBatch",
      summary: "De-identify and classify several texts in one call",
      scope: SCOPES.invoke,
      body: { mediaType: JSON_MEDIA_TYPE, name: "SentimentBatchRequest", schema: texts },
      responses: {
        "200": jsonResponse("One result per text, in order", "SentimentBatchResult"),
        ...PROTECTED_ERRORS,
        ...BUDGET_ERRORS,
      },
      schemas: { SentimentBatchResult: RESPONSE_SCHEMAS.SentimentBatchResult },
      handler: async (req: Request, res: Response) => {
        const { deids, predictions } = await pipeline.classify(
          req,
          res,
          (req.body as { texts: string[] }).texts,
        );
        res.json({ results: predictions.map((p, i) => item(res, p, (deids[i] as DeidentifyResult).counts)) });
      },
    },
    {
      method: "POST",
      path: "/v1/deidentify",
      operationId: "deidentify",
      summary: "Remove PHI from a text",
      scope: SCOPES.deidentify,
      body: { mediaType: JSON_MEDIA_TYPE, name: "DeidentifyRequest", schema: textBody(text) },
      responses: { "200": jsonResponse("The de-identified text", "DeidentifyResult"), ...PROTECTED_ERRORS },
      schemas: { DeidentifyResult: RESPONSE_SCHEMAS.DeidentifyResult },
      handler: async (req: Request, res: Response) => {
        const [deid] = await pipeline.deidentify(res, [(req.body as { text: string }).text]);
        if (deid === undefined) throw new Error("the de-identifier returned no result");
        res.json({
          text: deid.text,
          entities: deid.entities.map((e) => ({ type: e.type, start: e.start, end: e.end })),
        });
      },
    },
  ];
}
