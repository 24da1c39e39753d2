/**
 * The de-identifier the gateway and the batch CLI serve: the rules plus, unless DEID_MODEL is "off", the
 * learned detector registered beside them. Loading fails (rejects) when the model is missing or invalid; the
 * caller then serves no de-identification at all rather than the rules alone.
 */
import type { DeidConfig, Deidentifier, DeidentifyResult } from "../contracts";
import { createDeidentifier, defaultRegistry } from "../deid/index";
import type { DeidModelSetting } from "./paths";
import { loadModelRecognizer } from "./recognizer";

export interface ServedDeidentifier extends Deidentifier {
  deidentifyAsync(text: string): Promise<DeidentifyResult>;
  /** Which detectors run, for the start-up log line. */
  readonly detectors: "rules" | "rules+model";
  close(): Promise<void>;
}

export async function loadServedDeidentifier(
  config: DeidConfig,
  model: DeidModelSetting,
): Promise<ServedDeidentifier> {
  if (model.kind === "off") {
    const rules = createDeidentifier(config);
    return {
      deidentify: (text) => rules.deidentify(text),
      deidentifyAsync: async (text) => rules.deidentify(text),
      detectors: "rules",
      close: async () => {},
    };
  }
  const recognizer = await loadModelRecognizer(model.path);
  try {
    const both = createDeidentifier(config, { registry: defaultRegistry().add(recognizer) });
    return {
      deidentify: (text) => both.deidentify(text),
      deidentifyAsync: (text) => (both.deidentifyAsync as ServedDeidentifier["deidentifyAsync"])(text),
      detectors: "rules+model",
      close: () => recognizer.close(),
    };
  } catch (error) {
    await recognizer.close();
    throw error;
  }
}
