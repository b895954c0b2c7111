import { isIP } from 'node:net';

/**
 * What Express's `trust proxy` setting gets: off, a hop count, or the proxies
 * to trust by address. `true` (trust every hop) is never produced: it would let
 * any client choose its own address with a forged X-Forwarded-For.
 */
export type TrustProxySetting = false | number | string[];

/** The names proxy-addr (Express) understands besides addresses. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Why `raw` is not a usable TRUST_PROXY value, or null when it is. */
export function trustProxyProblem(raw: string): string | null {
  const value = raw.trim();
  if (value === '' || value === 'false' || /^\d+$/.test(value)) return null;
  if (value === 'true') {
    return 'must not be "true" (any client could forge X-Forwarded-For); give a hop count or the proxies\' addresses';
  }
  const bad = entries(value).filter((entry) => !isTrustableEntry(entry));
  if (bad.length > 0) {
    return `must be false, a hop count, or a comma-separated list of addresses, CIDRs or loopback/linklocal/uniquelocal; not understood: ${bad.join(', ')}`;
  }
  return null;
}

/** The setting for a value that passed `trustProxyProblem`. */
export function parseTrustProxy(raw: string): TrustProxySetting {
  const value = raw.trim();
  if (value === '' || value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value);
  return entries(value);
}

function entries(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function isTrustableEntry(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const max = version === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= max;
}
