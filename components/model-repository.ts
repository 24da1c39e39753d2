/**
 * Triton's model repository in S3, and the IAM role Triton's pods assume (IRSA) to read it.
 *
 * The bucket is hardened like every bucket of the stack (hardened-bucket.ts: ACLs disabled, SSE-S3 by default,
 * since a KMS key would force kms:Decrypt into Triton's otherwise two-action policy, all four public-access
 * blocks, TLS-only policy) and versioned, so a bad model push can be rolled back.
 *
 * The local repository folder (`triton-models/repository/` by default) is uploaded one object per file, so
 * changing a model file changes the stack and `pulumi preview` shows exactly which files move. The folder holds
 * only what Triton serves (its tooling sits beside it), so everything in it is uploaded, each file once.
 * `model.onnx` is generated (git-ignored) and must be exported into
 * `<modelName>/<modelVersion>/` before `pulumi up`: a prod stack refuses to deploy without it, or with the
 * synthetic test model (model-info.json `"synthetic": true`, random weights); a dev stack
 * warns and uploads the rest, so `pulumi preview` works on a fresh clone (CI) and Triton reports the model
 * unavailable until you export it and run `pulumi up` again.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MODEL_FILE, MODEL_INFO_FILE, versionDirectory } from "../gateway/src/inference/repository-layout";
import { hardenedBucket } from "./hardened-bucket";
import { serviceAccountTrustPolicy } from "./irsa";
import { tritonModelReadPolicy } from "./model-repository-policy";

export interface ModelRepositoryArgs {
  /** Local Triton model repository (directory of <model>/<version>/...); all of it is uploaded. */
  localPath: string;
  /** Key prefix in the bucket. */
  bucketPrefix: string;
  modelName: string;
  modelVersion: string;
  /** true in prod: a missing or synthetic model.onnx is an error (dev only warns). */
  requireModelArtifact: boolean;
  deletionProtection: boolean;
  /** IRSA: the cluster's OIDC provider. */
  oidcProviderArn: pulumi.Input<string>;
  /** Issuer without scheme, e.g. oidc.eks.us-east-1.amazonaws.com/id/ABC. */
  oidcIssuer: pulumi.Input<string>;
  serviceAccountNamespace: string;
  serviceAccountName: string;
  /**
   * Files the stack renders instead of taking them from disk (repository-relative path -> content), e.g. the
   * model's config.pbtxt with this stack's batch size and TensorRT setting.
   */
  renderedFiles?: Record<string, string>;
  tags: Record<string, string>;
}

export interface ModelFile {
  /** Path relative to the repository root, with forward slashes. */
  relativePath: string;
  absolutePath: string;
  sha256: string;
}

/**
 * Every file of a local Triton model repository, sorted for a stable plan. Hidden files (editor and OS litter,
 * generator stamps) are the one exception: Triton never reads them.
 */
export function listModelFiles(root: string): ModelFile[] {
  const files: ModelFile[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const absolutePath = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(absolutePath);
      } else if (entry.isFile()) {
        files.push({
          relativePath: path.relative(root, absolutePath).split(path.sep).join("/"),
          absolutePath,
          sha256: createHash("sha256").update(fs.readFileSync(absolutePath)).digest("hex"),
        });
      }
    }
  };
  walk(root);
  return files.sort((a, b) => a.relativePath.localeCompare(b.relativePath));
}

function readsSynthetic(modelInfoPath: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(modelInfoPath, "utf8")) as { synthetic?: unknown }).synthetic === true;
  } catch {
    throw new pulumi.RunError(`${modelInfoPath} is not valid JSON; regenerate or fix it before deploying`);
  }
}

const CONTENT_TYPES: Record<string, string> = {
  ".json": "application/json",
  ".pbtxt": "text/plain",
  ".txt": "text/plain",
  ".onnx": "application/octet-stream",
};

export class ModelRepository extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** s3://<bucket>/<prefix>, Triton's --model-repository. */
  readonly repositoryUri: pulumi.Output<string>;
  readonly tritonRoleArn: pulumi.Output<string>;
  /** Object keys uploaded, in order. */
  readonly objectKeys: string[];

  constructor(name: string, args: ModelRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:aws:ModelRepository", name, {}, opts);
    const parent = { parent: this };
    const { tags } = args;

    const versionDir = versionDirectory(args.localPath, args.modelName, args.modelVersion);
    const artifact = path.join(versionDir, MODEL_FILE);
    if (!fs.existsSync(artifact)) {
      const message =
        `model artifact ${artifact} does not exist; export the model into ` +
        `${versionDir}/ before pulumi up (see docs/models.md)`;
      if (args.requireModelArtifact) throw new pulumi.RunError(message);
      pulumi.log.warn(
        `${message}. Triton will report ${args.modelName} unavailable until it is uploaded.`,
        this,
      );
    }
    // The repository's generator writes a synthetic model (random weights) for local runs and tests, and
    // marks it in model-info.json. Its predictions mean nothing: never serve it from prod.
    const info = path.join(versionDir, MODEL_INFO_FILE);
    if (fs.existsSync(artifact) && fs.existsSync(info) && readsSynthetic(info)) {
      const message =
        `${artifact} is the synthetic test model (${info} says "synthetic": true); export the real ` +
        "DistilBERT SST-2 weights into that version directory (see docs/models.md) before deploying";
      if (args.requireModelArtifact) throw new pulumi.RunError(message);
      pulumi.log.warn(`${message}. Serving it from dev is fine for smoke tests only.`, this);
    }
    const rendered = args.renderedFiles ?? {};
    const files = (fs.existsSync(args.localPath) ? listModelFiles(args.localPath) : []).filter(
      (file) => !(file.relativePath in rendered),
    );

    const { bucket, objectSettings } = hardenedBucket(
      name,
      {
        bucketPrefix: "clinical-models-",
        deletionProtection: args.deletionProtection,
        versioned: true,
        policyName: "tls-only",
        tags,
      },
      this,
    );

    const uploads = [
      ...files.map((file) => ({
        relativePath: file.relativePath,
        sha256: file.sha256,
        body: { source: new pulumi.asset.FileAsset(file.absolutePath), sourceHash: file.sha256 },
      })),
      ...Object.entries(rendered).map(([relativePath, content]) => {
        const sha256 = createHash("sha256").update(content).digest("hex");
        return { relativePath, sha256, body: { content } };
      }),
    ].sort((a, b) => a.relativePath.localeCompare(b.relativePath));

    this.objectKeys = [];
    for (const file of uploads) {
      const key = `${args.bucketPrefix}/${file.relativePath}`;
      new aws.s3.BucketObjectv2(
        `${name}/${file.relativePath}`,
        {
          bucket: bucket.id,
          key,
          ...file.body,
          contentType: CONTENT_TYPES[path.extname(file.relativePath)] ?? "application/octet-stream",
          serverSideEncryption: "AES256",
          tags: { ...tags, sha256: file.sha256 },
        },
        { parent: this, dependsOn: objectSettings },
      );
      this.objectKeys.push(key);
    }

    const tritonRole = new aws.iam.Role(
      `${name}-triton`,
      {
        description: `Triton in ${args.serviceAccountNamespace}/${args.serviceAccountName}: read the model repository`,
        assumeRolePolicy: serviceAccountTrustPolicy({
          oidcProviderArn: args.oidcProviderArn,
          oidcIssuer: args.oidcIssuer,
          namespace: args.serviceAccountNamespace,
          serviceAccount: args.serviceAccountName,
        }),
        tags,
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-triton-read`,
      {
        role: tritonRole.id,
        policy: bucket.arn.apply((arn) => JSON.stringify(tritonModelReadPolicy(arn, args.bucketPrefix))),
      },
      parent,
    );

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.repositoryUri = pulumi.interpolate`s3://${bucket.bucket}/${args.bucketPrefix}`;
    this.tritonRoleArn = tritonRole.arn;
    this.registerOutputs({
      bucketName: this.bucketName,
      repositoryUri: this.repositoryUri,
      tritonRoleArn: this.tritonRoleArn,
    });
  }
}
