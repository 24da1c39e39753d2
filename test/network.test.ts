/**
 * Subnet addressing (components/network.ts): pure arithmetic, so it is checked for every supported AZ count.
 */
import { parseCidr } from "../components/config";
import { subnetCidrs } from "../components/network";

function range(cidr: string): [number, number] {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`bad CIDR ${cidr}`);
  const start = parsed.octets.reduce((acc, octet) => acc * 256 + octet, 0);
  return [start, start + 2 ** (32 - parsed.prefix) - 1];
}

test.each([2, 3, 4])("subnets for %i availability zones never overlap and stay inside the VPC", (zones) => {
  const cidrs = Array.from({ length: zones }, (_, i) => subnetCidrs("10.40.0.0/16", i)).flatMap((s) => [
    s.privateCidr,
    s.publicCidr,
  ]);
  const [vpcStart, vpcEnd] = range("10.40.0.0/16");
  const ranges = cidrs.map(range).sort((a, b) => a[0] - b[0]);
  for (const [start, end] of ranges) {
    expect(start).toBeGreaterThanOrEqual(vpcStart);
    expect(end).toBeLessThanOrEqual(vpcEnd);
  }
  for (let i = 1; i < ranges.length; i++) {
    expect(ranges[i]?.[0]).toBeGreaterThan(ranges[i - 1]?.[1] ?? Number.POSITIVE_INFINITY);
  }
});

test("private subnets are /19s, large enough for pod IPs from the VPC CNI", () => {
  expect(subnetCidrs("10.40.0.0/16", 1)).toEqual({
    privateCidr: "10.40.32.0/19",
    publicCidr: "10.40.144.0/20",
  });
});

test("refuses a VPC range that is not a /16", () => {
  expect(() => subnetCidrs("10.40.0.0/20", 0)).toThrow("subnetCidrs needs a /16, got 10.40.0.0/20");
});
