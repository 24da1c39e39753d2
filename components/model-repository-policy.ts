/**
 * The IAM policy Triton's role carries to read its model repository: a pure function of the bucket ARN and the
 * key prefix, so the stack attaches it and the tests that run the real Triton against an S3 server (and an IAM
 * evaluator) use exactly the same document.
 */

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** Read-only access to `<bucketArn>/<prefix>/*`, and the bucket-level calls Triton makes to find it. */
export function tritonModelReadPolicy(bucketArn: string, prefix: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListModelRepository",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: bucketArn,
        // Triton calls HeadBucket before it lists; S3 authorises HeadBucket as s3:ListBucket with no s3:prefix
        // in the request, so a plain StringLike would deny it and Triton would exit at start-up. IfExists lets
        // that call through while a listing that names a prefix must still name the model prefix.
        Condition: { StringLikeIfExists: { "s3:prefix": [prefix, `${prefix}/*`] } },
      },
      {
        Sid: "ReadModelFiles",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: `${bucketArn}/${prefix}/*`,
      },
    ],
  };
}
