/**
 * Settings the workloads layer refuses, each with a message that names the setting and the fix. These fail
 * before any resource is registered. Values that config validates (an unpinned Triton image, an issuer
 * without a JWKS URL) are refused in test/config-validation-workloads.test.ts, their one home.
 */
import { createHash } from "node:crypto";
import { ALB_CONTROLLER_POLICIES, albControllerPolicy, tlsSettings } from "../components/ingress";
import { buildWorkloads, CERTIFICATE_ARN } from "./support/workloads-fixture";

describe("TLS", () => {
  test("prod refuses to deploy without a certificate ARN", async () => {
    await expect(
      buildWorkloads("prod", {
        settings: (s) => ({ ...s, ingress: { ...s.ingress, certificateArn: undefined } }),
      }),
    ).rejects.toThrow(
      /prod refuses to deploy without TLS: certificateArn is not set.*pulumi config set certificateArn/s,
    );
  });

  test("prod refuses plain HTTP even when allowInsecureHttp is true", () => {
    expect(() => tlsSettings("prod", undefined, true)).toThrow(/prod refuses to deploy without TLS/);
  });

  test("dev without a certificate needs allowInsecureHttp set explicitly", () => {
    expect(() => tlsSettings("dev", undefined, false)).toThrow(/pulumi config set allowInsecureHttp true/);
  });

  test("dev with allowInsecureHttp serves HTTP", () => {
    expect(tlsSettings("dev", undefined, true)).toEqual({ mode: "http" });
  });

  test("a certificate wins over allowInsecureHttp", () => {
    expect(tlsSettings("dev", CERTIFICATE_ARN, true)).toEqual({
      mode: "https",
      certificateArn: CERTIFICATE_ARN,
    });
  });

  test("a value that is not an ACM certificate ARN is refused", () => {
    expect(() => tlsSettings("prod", "arn:aws:iam::123456789012:server-certificate/x", false)).toThrow(
      /certificateArn must be an ACM certificate ARN/,
    );
  });
});

test("a chart version without a committed IAM policy is refused", () => {
  expect(() => albControllerPolicy("9.9.9")).toThrow(
    /albControllerChartVersion 9.9.9 has no committed IAM policy/,
  );
});

test("a gateway without an image tag is refused with the command that fixes it", async () => {
  await expect(
    buildWorkloads("dev", { settings: (s) => ({ ...s, gateway: { ...s.gateway, imageTag: undefined } }) }),
  ).rejects.toThrow(/gatewayImageTag is not set.*pulumi config set gatewayImageTag/s);
});

test("an external IdP with stack OAuth clients is refused", async () => {
  await expect(
    buildWorkloads("external", {
      settings: (s) => ({
        ...s,
        auth: { ...s.auth, oauthClients: [{ clientId: "x-client", scopes: ["inference:invoke"] }] },
      }),
    }),
  ).rejects.toThrow(/oauthClients are only used when the stack issues tokens/);
});

test("gateway and Triton in the same namespace are refused", async () => {
  await expect(
    buildWorkloads("dev", {
      settings: (s) => ({ ...s, namespaces: { ...s.namespaces, triton: "gateway" } }),
    }),
  ).rejects.toThrow(/gateway and Triton must run in different namespaces/);
});

test("OAuth clients without secrets are refused", async () => {
  await expect(
    buildWorkloads("dev", {
      settings: (s) => ({ ...s, auth: { ...s.auth, oauthClientSecrets: undefined } }),
    }),
  ).rejects.toThrow(/oauthClients are configured but oauthClientSecrets is not/);
});

test("the committed controller policies are the published documents (compact-JSON SHA-256 recorded from upstream)", () => {
  for (const version of Object.keys(ALB_CONTROLLER_POLICIES)) {
    const digest = createHash("sha256")
      .update(JSON.stringify(JSON.parse(albControllerPolicy(version))))
      .digest("hex");
    expect([version, digest]).toEqual([
      version,
      "a4163aa4d4f27878f93ad71ea9d29b80067781e143c05ddc948e70da74f01ed4",
    ]);
  }
});
