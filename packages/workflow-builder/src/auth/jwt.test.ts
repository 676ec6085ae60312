import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, InvalidTokenError, mintToken } from './jwt.js';

const secret = 'jwt-test-secret-0123456789abcdefghijklmnop';

describe('Supabase token verification', () => {
  it('accepts a valid HS256 token and returns the user id and claims', async () => {
    const verify = createTokenVerifier({ secret, audience: 'authenticated' });
    const userId = randomUUID();
    const user = await verify(await mintToken({ secret, userId, email: 'a@example.com' }));
    expect(user).toMatchObject({ id: userId, email: 'a@example.com', claims: { sub: userId, role: 'authenticated' } });
  });

  it('rejects expired, wrongly signed, wrong-audience, non-uuid-subject and alg=none tokens', async () => {
    const verify = createTokenVerifier({ secret, audience: 'authenticated' });
    const userId = randomUUID();
    const cases = [
      await mintToken({ secret, userId, expiresInSeconds: -5 }),
      await mintToken({ secret: `${secret}-other`, userId }),
      await mintToken({ secret, userId, audience: 'anon' }),
      await mintToken({ secret, userId: 'service-account' }),
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"sub":"${userId}","aud":"authenticated","exp":9999999999}`).toString('base64url')}.`,
      'not-a-jwt',
    ];
    for (const token of cases) await expect(verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  describe('with asymmetric keys from the project JWKS', () => {
    let server: Server;
    let baseUrl: string;
    let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
    let requests = 0;

    beforeAll(async () => {
      const pair = await generateKeyPair('ES256');
      privateKey = pair.privateKey;
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
      server = createServer((request, response) => {
        requests += 1;
        if (request.url !== '/auth/v1/.well-known/jwks.json') {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('no address');
      baseUrl = `http://127.0.0.1:${address.port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('verifies ES256 tokens against the JWKS and fetches it once', async () => {
      const verify = createTokenVerifier({ supabaseUrl: baseUrl, audience: 'authenticated' });
      const userId = randomUUID();
      const sign = () =>
        new SignJWT({ role: 'authenticated' })
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setSubject(userId)
          .setAudience('authenticated')
          .setExpirationTime('5m')
          .sign(privateKey);
      expect((await verify(await sign())).id).toBe(userId);
      expect((await verify(await sign())).id).toBe(userId);
      expect(requests).toBe(1);
      await expect(verify(await mintToken({ secret, userId }))).rejects.toBeInstanceOf(InvalidTokenError);
    });
  });
});
