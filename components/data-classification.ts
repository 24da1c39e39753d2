/**
 * Which namespaces hold PHI. Secure by default: every Namespace the stack declares is PHI-bearing (and the
 * guardrail policy pack holds it to default-deny ingress and egress) unless it carries this label set to
 * "false", which makes the exception visible in review and in `kubectl get ns -L`.
 */
export const PHI_NAMESPACE_LABEL = "clinical-inference.io/phi";
