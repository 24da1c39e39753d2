import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AlbEdgeSettings } from "./edge-protection";
import { serviceAccountTrustPolicy } from "./irsa";
import { standardLabels } from "./labels";

/**
 * Public entry: the AWS Load Balancer Controller (Helm) with its own IRSA role, and one internet-facing ALB
 * Ingress whose only backend is the gateway Service. TLS terminates at the ALB with an ACM certificate;
 * HTTP only redirects to HTTPS.
 */

export const ALB_CONTROLLER = {
  chart: "aws-load-balancer-controller",
  repo: "https://aws.github.io/eks-charts",
  namespace: "kube-system",
  serviceAccount: "aws-load-balancer-controller",
} as const;

/** Chart version -> the controller's published IAM policy for the controller version that chart ships. */
export const ALB_CONTROLLER_POLICIES: Readonly<Record<string, string>> = {
  "1.13.0": "aws-load-balancer-controller-v2.13.0.json",
  "3.5.0": "aws-load-balancer-controller-v3.5.0.json",
};

/** TLS 1.2 and 1.3 only, forward-secret ciphers. */
export const ALB_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/** Seconds the ALB keeps a deregistering target for in-flight requests. Below the gateway's preStop + drain. */
export const ALB_DEREGISTRATION_DELAY_S = 30;

const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;

export type TlsSettings = { mode: "https"; certificateArn: string } | { mode: "http" };

/**
 * Decides how the ALB listens. Prod always needs a certificate; dev may serve plain HTTP only when
 * allowInsecureHttp is explicitly true.
 */
export function tlsSettings(
  environment: "dev" | "prod",
  certificateArn: string | undefined,
  allowInsecureHttp: boolean,
): TlsSettings {
  if (certificateArn !== undefined && certificateArn !== "") {
    if (!ACM_ARN.test(certificateArn)) {
      throw new pulumi.RunError(
        `certificateArn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>), got "${certificateArn}"`,
      );
    }
    return { mode: "https", certificateArn };
  }
  if (environment === "prod") {
    throw new pulumi.RunError(
      "prod refuses to deploy without TLS: certificateArn is not set. Issue or import an ACM certificate for the " +
        "gateway's domain and run: pulumi config set certificateArn arn:aws:acm:<region>:<account>:certificate/<id> -s prod",
    );
  }
  if (!allowInsecureHttp) {
    throw new pulumi.RunError(
      "certificateArn is not set and allowInsecureHttp is not true: set a certificate, or for a dev stack without " +
        "PHI explicitly run: pulumi config set allowInsecureHttp true",
    );
  }
  return { mode: "http" };
}

export function albControllerPolicy(chartVersion: string): string {
  const file = ALB_CONTROLLER_POLICIES[chartVersion];
  if (file === undefined) {
    throw new pulumi.RunError(
      `albControllerChartVersion ${chartVersion} has no committed IAM policy; supported: ` +
        `${Object.keys(ALB_CONTROLLER_POLICIES).join(", ")}. Add the controller's published iam_policy.json for that ` +
        "version under components/policies/ (see its README) or pick a supported version.",
    );
  }
  return readFileSync(path.join(__dirname, "policies", file), "utf8");
}

export interface AlbControllerArgs {
  provider: k8s.Provider;
  clusterName: pulumi.Input<string>;
  region: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  oidcProviderArn: pulumi.Input<string>;
  /** Issuer of the cluster's OIDC provider, with or without https://. */
  oidcIssuer: pulumi.Input<string>;
  chartVersion: string;
  /** E.g. the node groups: the controller's pods must be schedulable for the release to succeed. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class AlbController extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly policy: aws.iam.Policy;
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: AlbControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:workloads:AlbController", name, {}, opts);
    const policyDocument = albControllerPolicy(args.chartVersion);

    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "AWS Load Balancer Controller (IRSA: kube-system/aws-load-balancer-controller only)",
        assumeRolePolicy: serviceAccountTrustPolicy({
          oidcProviderArn: args.oidcProviderArn,
          oidcIssuer: args.oidcIssuer,
          namespace: ALB_CONTROLLER.namespace,
          serviceAccount: ALB_CONTROLLER.serviceAccount,
        }),
      },
      { parent: this },
    );
    this.policy = new aws.iam.Policy(
      `${name}-policy`,
      {
        description: `AWS Load Balancer Controller published IAM policy (chart ${args.chartVersion})`,
        policy: policyDocument,
      },
      { parent: this },
    );
    const attachment = new aws.iam.RolePolicyAttachment(
      `${name}-policy-attachment`,
      { role: this.role.name, policyArn: this.policy.arn },
      { parent: this },
    );

    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: ALB_CONTROLLER.chart,
        chart: ALB_CONTROLLER.chart,
        version: args.chartVersion,
        repositoryOpts: { repo: ALB_CONTROLLER.repo },
        namespace: ALB_CONTROLLER.namespace,
        values: {
          clusterName: args.clusterName,
          region: args.region,
          vpcId: args.vpcId,
          replicaCount: 2,
          serviceAccount: {
            create: true,
            name: ALB_CONTROLLER.serviceAccount,
            annotations: { "eks.amazonaws.com/role-arn": this.role.arn },
          },
          // We expose nothing through Services of type LoadBalancer; without this webhook, creating any Service
          // does not depend on the controller being up.
          enableServiceMutatorWebhook: false,
          podDisruptionBudget: { maxUnavailable: 1 },
          podLabels: standardLabels({
            name: "aws-load-balancer-controller",
            component: "ingress-controller",
          }),
        },
        // Wait for the controller (and its webhooks) to be ready before anything depends on it.
        atomic: true,
        timeout: 600,
      },
      { parent: this, provider: args.provider, dependsOn: [attachment, ...(args.dependsOn ?? [])] },
    );
    this.registerOutputs({ roleArn: this.role.arn });
  }
}

export interface GatewayIngressArgs {
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  /** Named port of the gateway Service. */
  servicePortName: string;
  tls: TlsSettings;
  healthCheckPath: string;
  /** The ALB controller release: its validating webhook must be up before an Ingress is admitted. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** WAF web ACL and access logs (components/edge-protection.ts); none in tests of the Ingress alone. */
  edge?: pulumi.Input<AlbEdgeSettings>;
}

export function albAnnotations(
  tls: TlsSettings,
  healthCheckPath: string,
  edge?: AlbEdgeSettings,
): Record<string, string> {
  const accessLogs = edge
    ? [
        "access_logs.s3.enabled=true",
        `access_logs.s3.bucket=${edge.accessLogsBucket}`,
        `access_logs.s3.prefix=${edge.accessLogsPrefix}`,
      ]
    : [];
  const annotations: Record<string, string> = {
    "alb.ingress.kubernetes.io/scheme": "internet-facing",
    "alb.ingress.kubernetes.io/target-type": "ip",
    "alb.ingress.kubernetes.io/backend-protocol": "HTTP",
    "alb.ingress.kubernetes.io/healthcheck-path": healthCheckPath,
    "alb.ingress.kubernetes.io/healthcheck-port": "traffic-port",
    "alb.ingress.kubernetes.io/success-codes": "200",
    "alb.ingress.kubernetes.io/target-group-attributes": `deregistration_delay.timeout_seconds=${ALB_DEREGISTRATION_DELAY_S}`,
    "alb.ingress.kubernetes.io/load-balancer-attributes": [
      "routing.http.drop_invalid_header_fields.enabled=true",
      ...accessLogs,
    ].join(","),
  };
  if (edge) annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"] = edge.webAclArn;
  if (tls.mode === "https") {
    annotations["alb.ingress.kubernetes.io/listen-ports"] = JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }]);
    annotations["alb.ingress.kubernetes.io/ssl-redirect"] = "443";
    annotations["alb.ingress.kubernetes.io/certificate-arn"] = tls.certificateArn;
    annotations["alb.ingress.kubernetes.io/ssl-policy"] = ALB_SSL_POLICY;
  } else {
    annotations["alb.ingress.kubernetes.io/listen-ports"] = JSON.stringify([{ HTTP: 80 }]);
  }
  return annotations;
}

export class GatewayIngress extends pulumi.ComponentResource {
  readonly ingress: k8s.networking.v1.Ingress;
  /** The ALB's DNS name, once the controller has provisioned it. */
  readonly hostname: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: GatewayIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("clinical:workloads:GatewayIngress", name, {}, opts);
    this.ingress = new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: {
          name: "gateway",
          namespace: args.namespace,
          labels: standardLabels({ name: "gateway", component: "ingress" }),
          annotations: pulumi
            .output(args.edge)
            .apply((edge) => albAnnotations(args.tls, args.healthCheckPath, edge)),
        },
        spec: {
          ingressClassName: "alb",
          // No defaultBackend and a single catch-all rule: the gateway Service is the only reachable backend.
          rules: [
            {
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: args.serviceName, port: { name: args.servicePortName } } },
                  },
                ],
              },
            },
          ],
        },
      },
      // Waits for the ALB's hostname; provisioning an ALB takes minutes.
      {
        parent: this,
        provider: args.provider,
        dependsOn: args.dependsOn,
        customTimeouts: { create: "20m", update: "20m" },
      },
    );
    this.hostname = this.ingress.status.apply((status) => status?.loadBalancer?.ingress?.[0]?.hostname ?? "");
    const scheme = args.tls.mode === "https" ? "https" : "http";
    this.url = this.hostname.apply((host) => (host === "" ? "" : `${scheme}://${host}`));
    this.registerOutputs({ hostname: this.hostname, url: this.url });
  }
}
