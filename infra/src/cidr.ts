/** The `index`-th subnet of `newPrefix` bits inside an IPv4 CIDR block, e.g. subnet('10.0.0.0/16', 20, 1) = 10.0.16.0/20. */
export function subnetCidr(block: string, newPrefix: number, index: number): string {
  const [address, bits] = block.split('/') as [string, string];
  const prefix = Number(bits);
  if (newPrefix < prefix || index >= 2 ** (newPrefix - prefix)) {
    throw new RangeError(`${block} has no subnet /${newPrefix} number ${index}`);
  }
  const base = address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const start = base + index * 2 ** (32 - newPrefix);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
  return `${octets.join('.')}/${newPrefix}`;
}
