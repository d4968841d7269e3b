import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { assertAllowedUrl, isRefusedAddress } from '../src/webhooks/address-guard';
import { sendWebhook } from '../src/webhooks/send-webhook';
import { signWebhook } from '../src/webhooks/signing';
import { Receiver } from './support/receiver';

const strict = { allowHttp: false, allowPrivateNetworks: false };

describe('webhook SSRF guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'instance metadata (link-local)'],
    ['169.254.170.2', 'ECS task metadata (link-local)'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fc00::1', 'IPv6 unique local'],
    ['fd00:ec2::254', 'AWS IPv6 metadata (unique local)'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['64:ff9b::a00:1', 'NAT64 of a private address'],
    ['2002:a00:1::1', '6to4'],
    ['ff02::1', 'IPv6 multicast'],
    ['not-an-ip', 'not an address'],
  ])('refuses %s (%s)', (address) => {
    expect(isRefusedAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '52.94.76.10', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])(
    'allows the public address %s',
    (address) => {
      expect(isRefusedAddress(address)).toBe(false);
    },
  );

  it.each([
    ['http://example.com/hook', /https/],
    ['https://127.0.0.1/hook', /not a public address/],
    ['https://[::1]/hook', /not a public address/],
    ['https://[::ffff:a9fe:a9fe]/hook', /not a public address/],
    ['https://169.254.169.254/latest/meta-data', /not a public address/],
    ['https://localhost/hook', /not a public address/],
    ['https://user:pw@example.com/hook', /credentials/],
  ])('refuses the URL %s', (url, reason) => {
    expect(() => assertAllowedUrl(url, strict)).toThrow(reason);
  });

  it('allows http and private addresses only when configured to', () => {
    expect(
      assertAllowedUrl('http://127.0.0.1:8080/x', { allowHttp: true, allowPrivateNetworks: true }).port,
    ).toBe('8080');
    expect(() =>
      assertAllowedUrl('http://127.0.0.1/x', { allowHttp: true, allowPrivateNetworks: false }),
    ).toThrow();
  });

  describe('at connect time', () => {
    let receiver: Receiver;
    beforeAll(async () => {
      receiver = await new Receiver().start();
    });
    afterAll(() => receiver.stop());

    it('refuses a host name that resolves to a private address, without connecting', async () => {
      // Act: a name, not a literal IP: only the lookup at connect time sees 127.0.0.1.
      const url = new URL(`http://localhost:${receiver.port}/hook`);
      const result = await sendWebhook(url, '{}', signWebhook('whsec_AAAA', 'id', '{}'), {
        timeoutMs: 1000,
        allowPrivateNetworks: false,
      });

      // Assess
      expect(result.statusCode).toBeUndefined();
      expect(result.error).toMatch(/resolves to 127\.0\.0\.1, which is not public/);
      expect(receiver.received).toHaveLength(0);
    });

    it('connects to the same host when private networks are allowed', async () => {
      const url = new URL(`http://localhost:${receiver.port}/hook`);
      const result = await sendWebhook(url, '{}', signWebhook('whsec_AAAA', 'id', '{}'), {
        timeoutMs: 1000,
        allowPrivateNetworks: true,
      });
      expect(result.statusCode).toBe(200);
    });
  });
});
