/**
 * components/config.ts: every validation rule for the workloads (Triton, model, batching, gateway, ingress,
 * identity provider, OAuth clients) rejects bad input with a message that names the key and the command that
 * fixes it, and no secret value appears in a message.
 */

import { configError, type Overrides } from "./support/load-stack-config";

describe("validation names the key and the fix", () => {
  test.each<[string, string, Overrides, RegExp]>([
    [
      "dev",
      "a Triton image tagged latest",
      { tritonImage: "nvcr.io/nvidia/tritonserver:latest" },
      /:tritonImage must pin a release, "latest"/,
    ],
    [
      "dev",
      "a Triton image from elsewhere",
      { tritonImage: "docker.io/me/triton:24.12-py3" },
      /:tritonImage must be nvcr\.io\/nvidia\/tritonserver:<yy\.mm>-py3/,
    ],
    [
      "prod",
      "a single Triton replica in prod",
      { tritonReplicas: 1 },
      /:tritonReplicas must be >= 2 in prod/,
    ],
    [
      "dev",
      "more Triton replicas than GPUs",
      { tritonReplicas: 2 },
      /:tritonReplicas must be <= the GPUs in the pool \(1/,
    ],
    [
      "dev",
      "a model version that is not a positive integer",
      { modelVersion: "v1" },
      /:modelVersion must be a positive integer/,
    ],
    ["dev", "model version zero", { modelVersion: "0" }, /:modelVersion must be a positive integer/],
    [
      "dev",
      "a model name Triton cannot use as a directory",
      { modelName: "../etc" },
      /:modelName must be a Triton model directory name/,
    ],
    ["dev", "a batch size above 64", { maxBatchSize: 65 }, /:maxBatchSize must be between 1 and 64, got 65/],
    ["dev", "a batch size of zero", { maxBatchSize: 0 }, /:maxBatchSize must be between 1 and 64, got 0/],
    [
      "dev",
      "a signing-key generation of zero",
      { jwtSigningKeyGeneration: 0 },
      /:jwtSigningKeyGeneration must be between 1 and 1000000, got 0/,
    ],
    [
      "dev",
      "a boolean that is not true or false",
      { tensorrtFp16: "yes" },
      /:tensorrtFp16 must be true or false, got "yes"/,
    ],
    ["prod", "no certificate in prod", { certificateArn: undefined }, /:certificateArn is required in prod/],
    [
      "dev",
      "a certificate that is not an ACM ARN",
      { certificateArn: "arn:aws:iam::123456789012:server-certificate/x" },
      /:certificateArn must be an ACM certificate ARN/,
    ],
    ["prod", "plain HTTP in prod", { allowInsecureHttp: true }, /:allowInsecureHttp is forbidden in prod/],
    [
      "dev",
      "neither a certificate nor an explicit plain-HTTP opt-in",
      { allowInsecureHttp: false },
      /:certificateArn is required unless allowInsecureHttp is true/,
    ],
    [
      "dev",
      "an issuer without a JWKS URL",
      { jwtIssuer: "https://idp.example.org/" },
      /:jwtJwksUrl must be set together with jwtIssuer/,
    ],
    [
      "dev",
      "a JWKS URL without an issuer",
      { jwtJwksUrl: "https://idp.example.org/jwks" },
      /:jwtIssuer must be set together with jwtJwksUrl/,
    ],
    [
      "dev",
      "a JWKS URL over plain HTTP",
      { jwtIssuer: "https://idp.example.org/", jwtJwksUrl: "http://idp.example.org/jwks" },
      /:jwtJwksUrl must be an https:\/\/ URL/,
    ],
    [
      "dev",
      "an OAuth client with an unknown scope",
      { oauthClients: [{ clientId: "ehr", scopes: ["admin"] }] },
      /:oauthClients client "ehr" needs scopes from inference:invoke, phi:deidentify/,
    ],
    [
      "dev",
      "the same OAuth client twice",
      {
        oauthClients: [
          { clientId: "ehr", scopes: ["inference:invoke"] },
          { clientId: "ehr", scopes: ["phi:deidentify"] },
        ],
        oauthClientSecrets: { ehr: "0123456789abcdef0123" },
      },
      /:oauthClients lists clientId "ehr" twice/,
    ],
    [
      "dev",
      "OAuth clients without their secrets",
      { oauthClients: [{ clientId: "ehr", scopes: ["inference:invoke"] }] },
      /:oauthClientSecrets needs a secret .* \(missing or short: ehr\); set it with: pulumi config set --secret oauthClientSecrets/,
    ],
    [
      "dev",
      "a secret missing for one of two OAuth clients",
      {
        oauthClients: [
          { clientId: "ehr", scopes: ["inference:invoke"] },
          { clientId: "lab", scopes: ["phi:deidentify"] },
        ],
        oauthClientSecrets: { ehr: "0123456789abcdef0123" },
      },
      /:oauthClientSecrets .*missing or short: lab\)/,
    ],
    [
      "dev",
      "the gateway image tagged latest",
      { gatewayImageTag: "latest" },
      /:gatewayImageTag must be an immutable image tag \(not "latest"\)/,
    ],
    [
      "dev",
      "a gateway maximum below its minimum",
      { gatewayMinReplicas: 3, gatewayMaxReplicas: 2 },
      /:gatewayMaxReplicas must be >= gatewayMinReplicas/,
    ],
    [
      "prod",
      "a single gateway replica in prod",
      { gatewayMinReplicas: 1 },
      /:gatewayMinReplicas must be >= 2 in prod/,
    ],
    [
      "dev",
      "a namespace that is not a DNS label",
      { tritonNamespace: "Triton_NS" },
      /:tritonNamespace must be a DNS-1123 label/,
    ],
    [
      "dev",
      "an unpinned ALB controller chart",
      { albControllerChartVersion: "latest" },
      /:albControllerChartVersion must be a pinned chart version/,
    ],
  ])("%s stack rejects %s", async (stack, _behaviour, overrides, expected) => {
    const message = await configError(stack, overrides);
    expect(message).toMatch(expected);
    expect(message).toMatch(/set it with: pulumi config set /);
  });

  test("secret values never appear in validation messages", async () => {
    const message = await configError("dev", {
      oauthClients: [
        { clientId: "ehr", scopes: ["inference:invoke"] },
        { clientId: "lab", scopes: ["inference:invoke"] },
      ],
      oauthClientSecrets: { ehr: "do-not-print-this-secret", lab: "short" },
    });
    expect(message).toContain("missing or short: lab");
    expect(message).not.toContain("do-not-print-this-secret");
    expect(message).not.toContain('"short"');
  });
});
