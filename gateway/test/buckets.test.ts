import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bucketFor, parseBuckets, validateBuckets } from "../src/inference/buckets";

describe("sequence buckets", () => {
  test("the default list parses to ascending lengths", () => {
    assert.deepEqual(parseBuckets("16,32,64,128,256,512", 512), [16, 32, 64, 128, 256, 512]);
  });

  test("spaces and a trailing comma are tolerated", () => {
    assert.deepEqual(parseBuckets(" 16, 64 ,128,", 128), [16, 64, 128]);
  });

  test("a non-numeric entry is rejected naming the entry", () => {
    assert.throws(() => parseBuckets("16,abc,512"), /SEQUENCE_BUCKETS entry "abc"/);
  });

  test("a descending or repeated list is rejected", () => {
    assert.throws(() => parseBuckets("32,16,512"), /strictly ascending; 16 follows 32/);
    assert.throws(() => parseBuckets("16,16,512"), /strictly ascending/);
  });

  test("an empty list is rejected", () => {
    assert.throws(() => parseBuckets(" , "), /at least one length/);
  });

  test("a bucket too small for [CLS] and [SEP] is rejected", () => {
    assert.throws(() => validateBuckets([1, 16]), /integer >= 2/);
  });

  test("the last bucket must be the model's maximum sequence length", () => {
    assert.throws(
      () => validateBuckets([16, 32, 64], 512),
      /must end at the model's maximum sequence length 512/,
    );
    assert.throws(() => validateBuckets([16, 1024], 512), /last bucket is 1024/);
  });

  test("a length goes to the smallest bucket that holds it", () => {
    const buckets = [16, 32, 64];
    assert.equal(bucketFor(2, buckets), 16);
    assert.equal(bucketFor(16, buckets), 16);
    assert.equal(bucketFor(17, buckets), 32);
    assert.equal(bucketFor(64, buckets), 64);
  });

  test("a length beyond the largest bucket is an error, not a silent cut", () => {
    assert.throws(() => bucketFor(65, [16, 32, 64]), /exceeds the largest bucket 64/);
  });
});
