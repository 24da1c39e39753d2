/** Check-digit and range validators that turn a pattern match into confident evidence. */
import { isIPv4, isIPv6 } from "node:net";

/** Luhn (mod 10) over a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** NPI: 10 digits whose Luhn check runs over the card-issuer prefix 80840 followed by the NPI. */
export function npiValid(npi: string): boolean {
  return /^[12]\d{9}$/.test(npi) && luhnValid(`80840${npi}`);
}

/**
 * SSA rules for issued SSNs: area not 000, 666 or 900-999; group not 00; serial not 0000.
 */
export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== "00" && serial !== "0000";
}

/**
 * DEA registration number: two letters then seven digits; (d1+d3+d5) + 2*(d2+d4+d6) ends in d7.
 */
export function deaValid(dea: string): boolean {
  if (!/^[A-Z][A-Z9]\d{7}$/.test(dea)) return false;
  const d = (i: number): number => dea.charCodeAt(2 + i) - 48;
  const check = (d(0) + d(2) + d(4) + 2 * (d(1) + d(3) + d(5))) % 10;
  return check === d(6);
}

const VIN_VALUES: Record<string, number> = {
  A: 1,
  B: 2,
  C: 3,
  D: 4,
  E: 5,
  F: 6,
  G: 7,
  H: 8,
  J: 1,
  K: 2,
  L: 3,
  M: 4,
  N: 5,
  P: 7,
  R: 9,
  S: 2,
  T: 3,
  U: 4,
  V: 5,
  W: 6,
  X: 7,
  Y: 8,
  Z: 9,
};
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** North American VIN check digit (position 9). Used as confidence, since non-US VINs do not carry it. */
export function vinCheckDigitValid(vin: string): boolean {
  if (vin.length !== 17) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = vin[i] as string;
    const v = c >= "0" && c <= "9" ? c.charCodeAt(0) - 48 : VIN_VALUES[c];
    if (v === undefined) return false;
    sum += v * (VIN_WEIGHTS[i] as number);
  }
  const r = sum % 11;
  return vin[8] === (r === 10 ? "X" : String(r));
}

export function ipValid(candidate: string): 4 | 6 | 0 {
  if (isIPv4(candidate)) return 4;
  if (isIPv6(candidate)) return 6;
  return 0;
}
