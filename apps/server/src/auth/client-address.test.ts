import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { clientAddress, trustProxyOption } from './actor.ts';

/** The address walboard uses (limits, audit) for a request from `peer` carrying `xff`. */
async function addressSeen(trusted: string[], peer: string, xff?: string): Promise<string> {
  const app = Fastify({ trustProxy: trustProxyOption(trusted) });
  app.get('/', async (req) => ({ address: clientAddress(req) }));
  try {
    const res = await app.inject({
      method: 'GET',
      url: '/',
      remoteAddress: peer,
      headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
    });
    return res.json<{ address: string }>().address;
  } finally {
    await app.close();
  }
}

describe('clientAddress with trustProxy', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    expect(await addressSeen([], '127.0.0.1', '203.0.113.9')).toBe('127.0.0.1');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    expect(await addressSeen(['10.0.0.5'], '198.51.100.7', '203.0.113.9')).toBe('198.51.100.7');
  });

  it('takes the rightmost untrusted address when the peer is a trusted proxy', async () => {
    // The client forged "1.2.3.4"; the proxy appended the address it really saw.
    expect(await addressSeen(['127.0.0.1'], '127.0.0.1', '1.2.3.4, 203.0.113.9')).toBe('203.0.113.9');
  });

  it('skips a chain of trusted proxies given as a CIDR range', async () => {
    expect(await addressSeen(['10.0.0.0/8'], '10.0.0.5', '1.2.3.4, 203.0.113.9, 10.1.2.3')).toBe(
      '203.0.113.9',
    );
  });

  it('uses the proxy itself when it sends no header, and matches an IPv4-mapped peer', async () => {
    expect(await addressSeen(['127.0.0.1'], '127.0.0.1')).toBe('127.0.0.1');
    expect(await addressSeen(['127.0.0.1'], '::ffff:127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
  });
});
