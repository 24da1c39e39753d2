import express, { type RequestHandler } from "express";
import { HttpProblem } from "../problem";
import { JSON_MEDIA_TYPE } from "./route";

/** body-parser error types and the problems they become; their own messages can quote the body. */
export const BODY_ERRORS: Readonly<Record<string, HttpProblem>> = {
  "entity.parse.failed": new HttpProblem("invalid-json", "The request body is not valid JSON"),
  "entity.too.large": new HttpProblem("body-too-large", "The request body is larger than the limit"),
  "charset.unsupported": new HttpProblem("unsupported-media-type", "The request body must be UTF-8 JSON"),
  "encoding.unsupported": new HttpProblem(
    "unsupported-media-type",
    "Content-Encoding is not supported; send identity-encoded JSON",
  ),
};

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(";");
  const mediaType = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return mediaType === JSON_MEDIA_TYPE;
}

/** Parses an identity-encoded UTF-8 JSON body of at most maxBytes; anything else is a problem. */
export function jsonBody(maxBytes: number): RequestHandler {
  // No decompression (inflate: false): a small compressed body must not become a large one.
  const parser = express.json({ limit: maxBytes, strict: false, inflate: false, type: () => true });
  return (req, res, next) => {
    if (!isJson(req.headers["content-type"])) {
      next(new HttpProblem("unsupported-media-type", "Content-Type must be application/json"));
      return;
    }
    parser(req, res, (err?: unknown) => {
      if (err === undefined) return next();
      const type = (err as { type?: string }).type ?? "";
      if (type === "entity.too.large") {
        return next(
          new HttpProblem("body-too-large", `The request body is larger than ${maxBytes} bytes`, {
            extensions: { maxBodyBytes: maxBytes },
          }),
        );
      }
      next(BODY_ERRORS[type] ?? new HttpProblem("invalid-request", "The request body could not be read"));
    });
  };
}
