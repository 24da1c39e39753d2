/**
 * The ECR repository for the gateway image. Tags are immutable (a tag names one build forever, so the
 * deployed image is what was reviewed), every push is scanned for CVEs, images are KMS-encrypted at rest, and
 * a lifecycle policy bounds storage: untagged layers expire after N days, and only the newest N tagged
 * images are kept (pick N larger than the number of releases you may need to roll back to).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ImageRegistryConfig } from "./config";

export interface ImageRegistryArgs {
  config: ImageRegistryConfig;
  deletionProtection: boolean;
  tags: Record<string, string>;
}

/** ECR lifecycle policy document: rules are evaluated by ascending priority. */
export function lifecyclePolicy(config: ImageRegistryConfig): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${config.untaggedExpiryDays} days`,
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: config.untaggedExpiryDays,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the newest ${config.keepLastImages} tagged images`,
        selection: {
          tagStatus: "tagged",
          tagPatternList: ["*"],
          countType: "imageCountMoreThan",
          countNumber: config.keepLastImages,
        },
        action: { type: "expire" },
      },
    ],
  });
}

export class ImageRegistry extends pulumi.ComponentResource {
  readonly repositoryUrl: pulumi.Output<string>;
  readonly repositoryArn: pulumi.Output<string>;

  constructor(name: string, args: ImageRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:aws:ImageRegistry", name, {}, opts);

    const repository = new aws.ecr.Repository(
      `${name}-gateway`,
      {
        name: args.config.repositoryName,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS" }],
        forceDelete: !args.deletionProtection,
        tags: args.tags,
      },
      { parent: this, protect: args.deletionProtection, retainOnDelete: args.deletionProtection },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-gateway-lifecycle`,
      { repository: repository.name, policy: lifecyclePolicy(args.config) },
      { parent: this },
    );

    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl });
  }

  /** The full image reference for a tag in this repository. */
  imageReference(tag: string): pulumi.Output<string> {
    return pulumi.interpolate`${this.repositoryUrl}:${tag}`;
  }
}
