/**
 * The workloads layer on a dev-like and a prod-like stack, as the Kubernetes API would receive it: the
 * Ingress and the AWS Load Balancer Controller (TLS, IRSA role and policy), observability hooks (scrape
 * annotations, ServiceMonitors), the stack outputs, and the NetworkPolicy admitting ALB traffic.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { OIDC_ISSUER_HOST, OIDC_PROVIDER_ARN, parsePolicy } from "./support/pulumi-mocks";
import { ALB_HOSTNAME, ALB_SUBNET_CIDRS, type Built, CERTIFICATE_ARN } from "./support/workloads-fixture";
import { selectorMatches } from "./support/workloads-k8s-semantics";
import { portNumber, useBuiltWorkloads } from "./support/workloads-suite";

const built = useBuiltWorkloads();

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON
type Manifest = any;

describe.each(["dev", "prod"] as const)("%s stack", (kind) => {
  const b = () => built[kind] as Built;
  const triton = () => b().manifest("Deployment", "triton", "triton");
  const gateway = () => b().manifest("Deployment", "gateway", "gateway");

  describe("ingress", () => {
    const ingress = () => b().manifest("Ingress", "gateway", "gateway");

    test("is an internet-facing ALB with IP targets health-checked on /healthz", () => {
      expect(ingress().spec.ingressClassName).toBe("alb");
      expect(ingress().metadata.annotations).toMatchObject({
        "alb.ingress.kubernetes.io/scheme": "internet-facing",
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/healthcheck-path": "/healthz",
      });
    });

    test("routes only to the gateway Service, on a port that Service exposes", () => {
      const backends: Manifest[] = [];
      if (ingress().spec.defaultBackend) backends.push(ingress().spec.defaultBackend);
      for (const rule of ingress().spec.rules) for (const p of rule.http.paths) backends.push(p.backend);
      expect(backends.length).toBeGreaterThan(0);
      const svc = b().manifest("Service", "gateway", "gateway");
      for (const backend of backends) {
        expect(backend.service.name).toBe("gateway");
        expect(svc.spec.ports.map((p: Manifest) => p.name)).toContain(backend.service.port.name);
      }
      // No other Ingress and no externally reachable Service exists.
      expect(b().manifests("Ingress")).toHaveLength(1);
      for (const s of b().manifests("Service")) expect(s.spec.type).toBe("ClusterIP");
    });

    if (kind === "prod") {
      test("terminates TLS 1.2+ with the ACM certificate and redirects HTTP to HTTPS", () => {
        const a = ingress().metadata.annotations;
        expect(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"])).toEqual([
          { HTTP: 80 },
          { HTTPS: 443 },
        ]);
        expect(a["alb.ingress.kubernetes.io/ssl-redirect"]).toBe("443");
        expect(a["alb.ingress.kubernetes.io/certificate-arn"]).toBe(CERTIFICATE_ARN);
        expect(a["alb.ingress.kubernetes.io/ssl-policy"]).toMatch(/^ELBSecurityPolicy-TLS13-1-2-/);
      });
    } else {
      test("serves plain HTTP only because the dev stack explicitly allows it", () => {
        const a = ingress().metadata.annotations;
        expect(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"])).toEqual([{ HTTP: 80 }]);
        expect(a["alb.ingress.kubernetes.io/certificate-arn"]).toBeUndefined();
      });
    }

    test("installs the pinned AWS Load Balancer Controller chart for this cluster and VPC", () => {
      const release = b().stack.one("kubernetes:helm.sh/v3:Release").inputs;
      expect(release).toMatchObject({
        chart: "aws-load-balancer-controller",
        version: "1.13.0",
        namespace: "kube-system",
        repositoryOpts: { repo: "https://aws.github.io/eks-charts" },
      });
      expect(release.values).toMatchObject({
        clusterName: `clinical-inference-${kind}`,
        region: "us-east-1",
        vpcId: "vpc-0123456789abcdef0",
        serviceAccount: { create: true, name: "aws-load-balancer-controller" },
      });
      const role = b().stack.one("aws:iam/role:Role", "alb-controller");
      expect(release.values.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toBe(role.state.arn);
    });

    test("gives the controller an IRSA role only kube-system:aws-load-balancer-controller can assume", () => {
      const trust = parsePolicy(b().stack.one("aws:iam/role:Role", "alb-controller").inputs.assumeRolePolicy);
      expect(trust.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Federated: OIDC_PROVIDER_ARN },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${OIDC_ISSUER_HOST}:sub`]: "system:serviceaccount:kube-system:aws-load-balancer-controller",
              [`${OIDC_ISSUER_HOST}:aud`]: "sts.amazonaws.com",
            },
          },
        },
      ]);
    });

    test("attaches the controller's published IAM policy for that chart version to the role", () => {
      const policy = b().stack.one("aws:iam/policy:Policy", "alb-controller");
      const committed = readFileSync(
        path.join(__dirname, "..", "components", "policies", "aws-load-balancer-controller-v2.13.0.json"),
        "utf8",
      );
      expect(parsePolicy(policy.inputs.policy)).toEqual(JSON.parse(committed));
      const attachment = b().stack.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "alb-controller");
      expect(attachment.inputs.policyArn).toBe(policy.state.arn);
      expect(attachment.inputs.role).toBe(b().stack.one("aws:iam/role:Role", "alb-controller").state.name);
    });
  });

  describe("observability", () => {
    test("annotates both pod templates for Prometheus scraping on their metrics ports", () => {
      for (const [deployment, port] of [
        [gateway(), "metrics"],
        [triton(), "metrics"],
      ] as const) {
        const a = deployment.spec.template.metadata.annotations;
        expect(a["prometheus.io/scrape"]).toBe("true");
        expect(a["prometheus.io/path"]).toBe("/metrics");
        expect(Number(a["prometheus.io/port"])).toBe(
          portNumber(deployment.spec.template.spec.containers[0], port),
        );
      }
    });

    if (kind === "prod") {
      test("creates ServiceMonitors whose selectors and ports match the gateway and Triton Services", () => {
        for (const name of ["gateway", "triton"]) {
          const monitor = b().manifest("ServiceMonitor", name, name);
          expect(monitor.apiVersion).toBe("monitoring.coreos.com/v1");
          const svc = b().manifest("Service", name, name);
          expect(selectorMatches(monitor.spec.selector, svc.metadata.labels)).toBe(true);
          expect(svc.spec.ports.map((p: Manifest) => p.name)).toContain(monitor.spec.endpoints[0].port);
        }
      });
    } else {
      test("creates no ServiceMonitor when the stack does not enable them", () => {
        expect(b().manifests("ServiceMonitor")).toEqual([]);
      });
    }
  });

  describe("outputs", () => {
    test("expose the gateway URL from the ALB hostname, the Triton URL and the namespaces", async () => {
      const w = b().workloads;
      expect(await b().resolve(w.gatewayUrl)).toBe(`${kind === "prod" ? "https" : "http"}://${ALB_HOSTNAME}`);
      expect(await b().resolve(w.tritonUrl)).toBe("http://triton.triton.svc.cluster.local:8000");
      expect(await b().resolve(w.namespaceNames.gateway)).toBe("gateway");
      expect(await b().resolve(w.namespaceNames.triton)).toBe("triton");
      expect(w.jwtIssuer).toBe(`urn:clinical-inference-platform:${kind}`);
      // Generation 1 publishes the current and the next signing key (rotation window).
      expect(JSON.parse((await b().resolve(w.jwks)) as string).keys).toHaveLength(2);
    });
  });
});

test("ALB traffic is admitted from the public subnets passed in, not the whole VPC", async () => {
  const policy = (built.prod as Built).manifest("NetworkPolicy", "allow-alb-to-gateway", "gateway");
  expect(policy.spec.ingress[0].from).toEqual(ALB_SUBNET_CIDRS.map((cidr) => ({ ipBlock: { cidr } })));
});
