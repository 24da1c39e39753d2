import * as pulumi from "@pulumi/pulumi";

/**
 * IAM roles for service accounts (IRSA): the trust policy that lets exactly one Kubernetes service account,
 * authenticated by the cluster's OIDC provider, assume a role. Every IRSA role of the stack uses this one
 * document, so the `sub` + `aud` scoping cannot be loosened for one role by accident.
 */
export function serviceAccountTrustPolicy(args: {
  oidcProviderArn: pulumi.Input<string>;
  /** Issuer URL or host (with or without https://), e.g. oidc.eks.us-east-1.amazonaws.com/id/ABC. */
  oidcIssuer: pulumi.Input<string>;
  namespace: string;
  serviceAccount: string;
}): pulumi.Output<string> {
  return pulumi.all([args.oidcProviderArn, args.oidcIssuer]).apply(([providerArn, issuer]) => {
    const host = issuer.replace(/^https:\/\//, "");
    return JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: providerArn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${host}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
              [`${host}:aud`]: "sts.amazonaws.com",
            },
          },
        },
      ],
    });
  });
}
