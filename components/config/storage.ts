import { MODEL_REPOSITORY_DIR } from "../../gateway/src/inference/repository-layout";
import type { ConfigReader } from "./reader";
import { ECR_REPOSITORY_NAME, S3_KEY_PREFIX } from "./rules";
import type { ImageRegistryConfig, ModelRepositoryConfig } from "./types";

/** Where the model repository is uploaded from and to. */
export function readModelRepository(c: ConfigReader): ModelRepositoryConfig {
  const localPath = c.string("modelRepositoryPath", MODEL_REPOSITORY_DIR);
  const bucketPrefix = c.string("modelBucketPrefix", "models");
  if (!S3_KEY_PREFIX.test(bucketPrefix)) {
    c.problem(
      "modelBucketPrefix",
      "must be a relative S3 key prefix without leading/trailing slash",
      "models",
    );
  }
  return { localPath, bucketPrefix };
}

/** The gateway image's ECR repository and its lifecycle. */
export function readImageRegistry(c: ConfigReader): ImageRegistryConfig {
  // Per stack: dev and prod in one account and region must not share (and fight over) one repository.
  const repositoryName = c.string("ecrRepositoryName", `clinical-inference-gateway-${c.stack.toLowerCase()}`);
  if (!ECR_REPOSITORY_NAME.test(repositoryName)) {
    c.problem("ecrRepositoryName", "must be a lowercase ECR repository name", "clinical-inference-gateway");
  }
  return {
    repositoryName,
    untaggedExpiryDays: c.integer("ecrUntaggedExpiryDays", 7, 1, 365),
    keepLastImages: c.integer("ecrKeepLastImages", 30, 1, 1000),
  };
}
