import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadConfig } from "./config";
import type { AlbEdgeSettings } from "./edge-protection";
import { GATEWAY_PORTS, Gateway } from "./gateway";
import type { ImageRegistry } from "./image-registry";
import { AlbController, GatewayIngress, tlsSettings } from "./ingress";
import { JwtKeys, type TokenAuthority } from "./jwt-keys";
import { Namespaces } from "./namespaces";
import { NetworkPolicies } from "./network-policies";
import { Observability } from "./observability";
import { TRITON_PORTS, Triton } from "./triton";

/**
 * The Kubernetes workloads layer in one component: namespaces, token material, Triton, the gateway, the
 * ALB controller and Ingress, NetworkPolicies and (optionally) ServiceMonitors, all on the given cluster
 * provider. It never reads stack config: `settings` has the shape of `StackConfig.workloads` from
 * components/config.ts, which has already validated it.
 */
/** The validated `workloads` section of the stack configuration (one definition, in components/config.ts). */
export type WorkloadSettings = WorkloadConfig;

export interface WorkloadsArgs {
  /** Kubernetes provider for the target cluster (e.g. built from the EKS cluster's kubeconfig). */
  provider: k8s.Provider;
  environment: "dev" | "prod";
  /** AWS region of the cluster (Triton's S3 client, the ALB controller). */
  region: pulumi.Input<string>;
  clusterName: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  /** The VPC's CIDR, its public subnets' (the ALB's interfaces) and private subnets' (interface endpoints). */
  vpcCidr: string;
  albSubnetCidrs: string[];
  privateSubnetCidrs: string[];
  /** S3's CIDRs in the region, reached through the VPC's gateway endpoint (Network.s3Cidrs). */
  s3Cidrs: pulumi.Input<string[]>;
  /** IAM OIDC provider of the cluster, for the ALB controller's IRSA role. */
  oidcProviderArn: pulumi.Input<string>;
  /** Its issuer (oidc.eks.<region>.amazonaws.com/id/<id>), with or without https://. */
  oidcIssuer: pulumi.Input<string>;
  /** s3://<bucket>/<prefix> of the uploaded model repository (ModelRepository.repositoryUri). */
  modelRepositoryUri: pulumi.Input<string>;
  /** IRSA role that may read the model bucket, trusted for settings.namespaces.triton/settings.triton.serviceAccountName. */
  tritonRoleArn: pulumi.Input<string>;
  /** Where the gateway image lives: the stack's ImageRegistry. */
  imageRegistry: Pick<ImageRegistry, "imageReference">;
  /** Text of the model's config.pbtxt as uploaded: a change rolls Triton. */
  modelConfig: pulumi.Input<string>;
  /** Cluster minor version, e.g. "1.33", to pin the Pod Security Standards version; default "latest". */
  kubernetesVersion?: string;
  /** `iss` of stack-issued tokens; default `urn:<project>:<stack>`. Ignored with an external IdP. */
  tokenIssuer?: string;
  /**
   * Resources the workloads need before their pods can start: the node groups (nothing schedules without
   * them) and the uploaded model repository (Triton loads it at start). Applied to the Triton and gateway
   * Deployments and the ALB controller release.
   */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  settings: WorkloadSettings;
  /** WAF web ACL and access logs the Ingress attaches to the ALB (components/edge-protection.ts). */
  edge?: pulumi.Input<AlbEdgeSettings>;
}

export class Workloads extends pulumi.ComponentResource {
  readonly namespaces: Namespaces;
  readonly jwtKeys: JwtKeys;
  readonly triton: Triton;
  readonly gateway: Gateway;
  readonly albController: AlbController;
  readonly ingress: GatewayIngress;
  readonly networkPolicies: NetworkPolicies;
  readonly observability?: Observability;

  /** https://<ALB hostname> (http:// only for a dev stack with allowInsecureHttp). */
  readonly gatewayUrl: pulumi.Output<string>;
  readonly gatewayHostname: pulumi.Output<string>;
  readonly jwtIssuer: string;
  /** Public JWKS JSON of stack-issued tokens; undefined with an external IdP (see jwtJwksUrl). */
  readonly jwks: pulumi.Output<string | undefined>;
  readonly jwtJwksUrl: string | undefined;
  readonly tritonUrl: pulumi.Output<string>;
  readonly namespaceNames: { gateway: pulumi.Output<string>; triton: pulumi.Output<string> };

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered, so a mistake fails the preview with one clear message (and no
    // half-built component tree).
    const s = args.settings;
    const imageTag = checkSettings(s);
    const tls = tlsSettings(args.environment, s.ingress.certificateArn, s.ingress.allowInsecureHttp);
    const authority = tokenAuthority(
      s.auth,
      args.tokenIssuer ?? `urn:${pulumi.getProject()}:${pulumi.getStack()}`,
    );
    super("clinical:workloads:Workloads", name, {}, opts);
    const child = { parent: this };

    this.namespaces = new Namespaces(
      `${name}-namespaces`,
      {
        provider: args.provider,
        gatewayNamespace: s.namespaces.gateway,
        tritonNamespace: s.namespaces.triton,
        podSecurityVersion: args.kubernetesVersion ? `v${args.kubernetesVersion}` : "latest",
        albPodReadinessGate: true,
      },
      child,
    );

    this.albController = new AlbController(
      `${name}-alb-controller`,
      {
        provider: args.provider,
        clusterName: args.clusterName,
        region: args.region,
        vpcId: args.vpcId,
        oidcProviderArn: args.oidcProviderArn,
        oidcIssuer: args.oidcIssuer,
        chartVersion: s.ingress.albControllerChartVersion,
        dependsOn: args.dependsOn,
      },
      child,
    );

    this.jwtKeys = new JwtKeys(
      `${name}-jwt`,
      { provider: args.provider, namespace: this.namespaces.gatewayName, authority },
      child,
    );

    this.triton = new Triton(
      `${name}-triton`,
      {
        provider: args.provider,
        namespace: this.namespaces.tritonName,
        image: s.triton.image,
        // Autoscaled, the Deployment sets no count: the rollout is judged at the highest one KEDA may hold.
        replicas: s.triton.autoscaled ? (s.triton.maxReplicas ?? s.triton.replicas) : s.triton.replicas,
        autoscaled: s.triton.autoscaled,
        gpuCapacity: s.triton.gpuCapacity,
        serviceAccountName: s.triton.serviceAccountName,
        roleArn: args.tritonRoleArn,
        region: args.region,
        repositoryUri: args.modelRepositoryUri,
        modelName: s.triton.modelName,
        modelVersion: s.triton.modelVersion,
        modelConfig: args.modelConfig,
        modelVariant: s.triton.modelVariant,
        dependsOn: args.dependsOn,
      },
      child,
    );

    this.gateway = new Gateway(
      `${name}-gateway`,
      {
        provider: args.provider,
        namespace: this.namespaces.gatewayName,
        image: args.imageRegistry.imageReference(imageTag),
        imageTag,
        minReplicas: s.gateway.minReplicas,
        maxReplicas: s.gateway.maxReplicas,
        targetCpuUtilization: s.gateway.targetCpuUtilization,
        targetInflightRequests: s.gateway.targetInflightRequests,
        backendScalesToZero: s.gateway.backendScalesToZero,
        tritonUrl: this.triton.url,
        modelName: s.triton.modelName,
        modelVersion: s.triton.modelVersion,
        auth: this.jwtKeys.wiring,
        // The controller's webhook injects ALB readiness gates into gateway pods; Triton must serve the model
        // before gateway pods can become ready.
        dependsOn: [this.albController.release, this.triton.deployment, ...(args.dependsOn ?? [])],
      },
      child,
    );

    this.ingress = new GatewayIngress(
      `${name}-ingress`,
      {
        provider: args.provider,
        namespace: this.namespaces.gatewayName,
        serviceName: this.gateway.service.metadata.name,
        servicePortName: "http",
        tls,
        healthCheckPath: "/healthz",
        edge: args.edge,
        dependsOn: [this.albController.release],
      },
      child,
    );

    this.networkPolicies = new NetworkPolicies(
      `${name}-netpol`,
      {
        provider: args.provider,
        gatewayNamespace: this.namespaces.gatewayName,
        tritonNamespace: this.namespaces.tritonName,
        monitoringNamespace: s.monitoring.namespace,
        vpcCidr: args.vpcCidr,
        albSubnetCidrs: args.albSubnetCidrs,
        privateSubnetCidrs: args.privateSubnetCidrs,
        s3Cidrs: args.s3Cidrs,
        externalIdp: authority.mode === "external",
        gatewayPodSelector: this.gateway.podSelector,
        tritonPodSelector: this.triton.podSelector,
        gatewayPorts: GATEWAY_PORTS,
        tritonPorts: TRITON_PORTS,
      },
      child,
    );

    if (s.monitoring.serviceMonitor) {
      this.observability = new Observability(
        `${name}-monitoring`,
        {
          provider: args.provider,
          targets: [
            {
              name: "gateway",
              namespace: this.namespaces.gatewayName,
              serviceSelector: this.gateway.podSelector,
              port: "metrics",
            },
            {
              name: "triton",
              namespace: this.namespaces.tritonName,
              serviceSelector: this.triton.podSelector,
              port: "metrics",
            },
          ],
        },
        child,
      );
    }

    this.gatewayUrl = this.ingress.url;
    this.gatewayHostname = this.ingress.hostname;
    this.jwtIssuer = this.jwtKeys.issuer;
    this.jwks = this.jwtKeys.jwks;
    this.jwtJwksUrl = this.jwtKeys.jwksUrl;
    this.tritonUrl = this.triton.url;
    this.namespaceNames = { gateway: this.namespaces.gatewayName, triton: this.namespaces.tritonName };
    this.registerOutputs({
      gatewayUrl: this.gatewayUrl,
      jwtIssuer: this.jwtIssuer,
      jwks: this.jwks,
      tritonUrl: this.tritonUrl,
    });
  }
}

/**
 * Throws a RunError when there is no gateway image to run, the one thing this layer needs that config leaves
 * optional (the AWS layer deploys without it); returns the tag. Every value itself was validated by
 * components/config.ts, and namespaces, TLS and token settings are checked by the components that own them.
 */
export function checkSettings(s: WorkloadSettings): string {
  const imageTag = s.gateway.imageTag ?? "";
  if (imageTag === "") {
    throw new pulumi.RunError(
      "Invalid workloads settings:\n  - gatewayImageTag is not set: build and push the gateway image to the " +
        "stack's ECR repository, then run pulumi config set gatewayImageTag <tag>",
    );
  }
  return imageTag;
}

/**
 * External IdP when jwtIssuer and jwtJwksUrl are set (config accepts them only together); stack-issued tokens
 * otherwise.
 */
export function tokenAuthority(auth: WorkloadSettings["auth"], defaultIssuer: string): TokenAuthority {
  const { jwtIssuer, jwtJwksUrl } = auth;
  if (jwtIssuer !== undefined && jwtJwksUrl !== undefined) {
    if (auth.oauthClients.length > 0) {
      throw new pulumi.RunError(
        "oauthClients are only used when the stack issues tokens; with an external IdP (jwtIssuer/jwtJwksUrl) " +
          "register clients at the IdP and remove oauthClients",
      );
    }
    return { mode: "external", issuer: jwtIssuer, jwksUrl: jwtJwksUrl };
  }
  return {
    mode: "stack",
    issuer: defaultIssuer,
    clients: auth.oauthClients.map((c) => ({ clientId: c.clientId, scopes: [...c.scopes] })),
    clientSecrets: auth.oauthClientSecrets,
    signingKeyGeneration: auth.signingKeyGeneration,
  };
}
