/**
 * The rules' registry with the committed learned detector added, loaded once for the enclosing describe():
 * what the served de-identifier runs. Call inside describe(); the returned getter works inside its tests.
 */
import { after, before } from "node:test";
import { defaultRegistry } from "../../src/deid/detect";
import type { RecognizerRegistry } from "../../src/deid/recognizer";
import { loadModelRecognizer } from "../../src/deid-model/recognizer";

export function useModelRegistry(): () => RecognizerRegistry {
  let registry: RecognizerRegistry | undefined;
  let close: (() => Promise<void>) | undefined;
  before(async () => {
    const recognizer = await loadModelRecognizer();
    close = recognizer.close;
    registry = defaultRegistry().add(recognizer);
  });
  after(() => close?.());
  return () => {
    if (!registry) throw new Error("useModelRegistry: the registry is read before the suite's before() ran");
    return registry;
  };
}
