/**
 * Text -> token ids with the model's own tokenizer.json, through Hugging Face's tokenizers library (the same
 * tokenizer definition the Python/Rust reference uses), plus the two things it leaves to us: truncation at the
 * model maximum and padding to a sequence bucket.
 */
import { bucketFor } from "./buckets";

// The package is ESM-typed but ships a CommonJS build for Node's `require` condition; loading that build keeps
// this module synchronous under `module: node16`, with the ESM type declarations for checking.
type TokenizerClass = import("@huggingface/tokenizers", { with: { "resolution-mode": "import" }}).Tokenizer;
const { Tokenizer } = require("@huggingface/tokenizers") as {
  Tokenizer: typeof import("@huggingface/tokenizers", { with: { "resolution-mode": "import" }}).Tokenizer;
};

export interface EncodedText {
  /** Token ids including the special tokens, unpadded, at most maxLength long. */
  ids: number[];
  /** The bucket (padded length) this text belongs to. */
  bucket: number;
  truncated: boolean;
}

export class SequenceTokenizer {
  private readonly tokenizer: TokenizerClass;
  /** Special tokens the post-processor adds after the text (e.g. [SEP]); kept when truncating. */
  private readonly suffix: number[];
  readonly padId: number;

  constructor(
    tokenizerJson: unknown,
    tokenizerConfig: Record<string, unknown>,
    readonly buckets: readonly number[],
  ) {
    this.tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfig);
    // The library has no truncation option, so learn the template from an empty input: for BERT it yields
    // [CLS][SEP]; whatever follows the shared prefix with a real encoding is the suffix to keep on truncation.
    const empty = this.tokenizer.encode("").ids;
    const sample = this.tokenizer.encode("a").ids;
    let prefix = 0;
    while (prefix < empty.length && empty[prefix] === sample[prefix]) prefix++;
    this.suffix = empty.slice(prefix);
    if (empty.length >= this.maxLength) {
      throw new Error(
        `the largest sequence bucket ${this.maxLength} leaves no room for text after special tokens`,
      );
    }
    this.padId = padIdOf(tokenizerJson) ?? this.tokenizer.token_to_id("[PAD]") ?? 0;
  }

  get maxLength(): number {
    return this.buckets[this.buckets.length - 1] as number;
  }

  encode(text: string): EncodedText {
    const full = this.tokenizer.encode(text).ids;
    let ids = full;
    let truncated = false;
    if (full.length > this.maxLength) {
      // Same result as the Rust tokenizer's longest-first truncation of a single sequence: cut the text tokens,
      // keep the closing special tokens so the model still sees a well-formed sequence.
      ids = full.slice(0, this.maxLength - this.suffix.length).concat(this.suffix);
      truncated = true;
    }
    return { ids, bucket: bucketFor(ids.length, this.buckets), truncated };
  }
}

function padIdOf(tokenizerJson: unknown): number | undefined {
  const padding = (tokenizerJson as { padding?: { pad_id?: unknown } } | null)?.padding;
  return typeof padding?.pad_id === "number" ? padding.pad_id : undefined;
}
