import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { OcrJobsError } from '@ocr-jobs/runtime';

/** A webhook URL or address this deployment refuses to call (SSRF guard). */
export class RefusedDestinationError extends OcrJobsError {
  constructor(message: string) {
    super('WEBHOOK_DESTINATION_REFUSED', message);
  }
}

/**
 * Only globally routable unicast addresses are allowed. ipaddr.js classifies everything else:
 * loopback, private (10/8, 172.16/12, 192.168/16), linkLocal (169.254/16 with the 169.254.169.254
 * metadata address; fe80::/10), carrierGradeNat (100.64/10), uniqueLocal (fc00::/7, also AWS's
 * fd00:ec2::254), unspecified, multicast, broadcast, reserved, and the IPv6 ranges that embed IPv4
 * (NAT64, 6to4, Teredo). IPv4-mapped IPv6 (::ffff:10.0.0.1) is unwrapped to IPv4 first.
 */
export function isRefusedAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  return ipaddr.process(address).range() !== 'unicast';
}

/**
 * A `lookup` for http(s).Agent that resolves as usual and fails the connection if any resolved
 * address is refused: the check happens at connect time, so a DNS answer that changes between
 * validation and connection (DNS rebinding) is still caught.
 */
export const guardedLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((a) => isRefusedAddress(a.address));
    if (refused)
      return callback(
        new RefusedDestinationError(`${hostname} resolves to ${refused.address}, which is not public`),
        '',
        0,
      );
    if (options.all)
      return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
    return callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

export interface DestinationPolicy {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
}

/**
 * Checks what can be checked before connecting: the scheme, and a literal IP host (Node does not
 * call `lookup` for those). Throws RefusedDestinationError with a message for the client.
 */
export function assertAllowedUrl(raw: string, policy: DestinationPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedDestinationError('not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:'))
    throw new RefusedDestinationError(policy.allowHttp ? 'must be an http(s) URL' : 'must be an https URL');
  if (url.username || url.password) throw new RefusedDestinationError('must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowPrivateNetworks) {
    if (net.isIP(host) && isRefusedAddress(host))
      throw new RefusedDestinationError(`${host} is not a public address`);
    if (host === 'localhost' || host.endsWith('.localhost'))
      throw new RefusedDestinationError(`${host} is not a public address`);
  }
  return url;
}
