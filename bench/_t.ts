import { runClosedLoop } from "./lib/load/closed-loop";
import { kservePaddedBodies, readWorkload, tokenizeWorkload } from "./lib/workload";

const w = tokenizeWorkload(readWorkload("bench/workload/clinical-sentences.jsonl"), {
  repository: ".local/models/base",
  name: "distilbert_sst2",
  buckets: [16, 32, 64, 128, 256, 512],
});
const bodies = kservePaddedBodies(w.items, w.padId);
(async () => {
  for (const c of [1, 16]) {
    const r = await runClosedLoop(
      { origin: "http://127.0.0.1:18800", path: "/v2/models/distilbert_sst2/infer", headers: {}, bodies },
      { concurrency: c, durationS: 3 },
    );
    console.log(c, r.ok, r.errors, r.statusCounts, r.throughput.toFixed(1), r.latency.p50.toFixed(0));
  }
})();
