/** The guardrails, as the pack and the tests load them. Each is mandatory: a violation stops `pulumi up`. */
import type { Policies } from "@pulumi/policy";
import { ebsEncryption, eksControlPlane, imdsV2 } from "./compute";
import { noExposedPhiServices, noHostAccess, phiNamespaceDefaultDeny } from "./kubernetes";
import {
  ecrScanAndImmutableTags,
  kmsRotation,
  logRetention,
  s3Encryption,
  s3LogRetention,
  s3NoPublicAccess,
  s3TlsOnly,
} from "./storage";

export const HIPAA_GUARDRAILS: Policies = [
  s3Encryption,
  s3NoPublicAccess,
  s3TlsOnly,
  s3LogRetention,
  kmsRotation,
  ecrScanAndImmutableTags,
  logRetention,
  imdsV2,
  ebsEncryption,
  eksControlPlane,
  phiNamespaceDefaultDeny,
  noExposedPhiServices,
  noHostAccess,
];
