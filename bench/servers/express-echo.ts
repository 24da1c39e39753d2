/**
 * The baseline for the gateway-overhead scenario: a bare Express 5 app that parses the JSON body and sends
 * it back. No auth, no de-identification, no model: the cheapest useful HTTP JSON service on this stack.
 */
import express from "express";

const port = Number(process.env.PORT ?? "0");
const host = process.env.HOST ?? "127.0.0.1";
if (!Number.isInteger(port) || port <= 0) {
  console.error("express-echo: set PORT to the port to listen on, e.g. PORT=18080");
  process.exit(2);
}

const app = express();
app.use(express.json({ limit: "64kb" }));
app.get("/healthz", (_req, res) => {
  res.json({ status: "ok" });
});
app.post("/v1/sentiment", (req, res) => {
  res.json(req.body);
});

const server = app.listen(port, host, () => {
  console.log(`express-echo listening on http://${host}:${port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
