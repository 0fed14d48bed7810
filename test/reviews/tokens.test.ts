import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AccessTokens } from '../../src/auth/tokens.js';
import { REVIEW_TOKEN_AUDIENCE, ReviewLinks, withoutReviewToken } from '../../src/reviews/tokens.js';

const secret = 'review-test-secret-review-test-secret-0123';
const links = new ReviewLinks({ secret, publicUrl: 'https://example.test' });
const target = { bookingId: randomUUID(), userId: randomUUID() };
const key = new TextEncoder().encode(secret);

describe('review links', () => {
  it('round-trips its booking and customer, under PUBLIC_URL/review/', async () => {
    const link = await links.link(target);
    expect(link).toMatch(/^https:\/\/example\.test\/review\/[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await links.verify(link.split('/review/')[1]!)).toEqual(target);
  });

  it('lasts 30 days from when it was made', async () => {
    const token = await links.sign(target, new Date(Date.now() - 31 * 86_400_000));
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
    expect(payload.exp - payload.iat).toBe(30 * 86_400);
    await expect(links.verify(token)).rejects.toMatchObject({ status: 410, code: 'review_link_expired' });
  });

  it('is refused with 404 when the type, audience or key is not ours, even with the same claims', async () => {
    const claims = { bid: target.bookingId };
    const variants = [
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setAudience(REVIEW_TOKEN_AUDIENCE),
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'review+jwt' }).setAudience('authenticated'),
    ];
    for (const jwt of variants) {
      const token = await jwt.setSubject(target.userId).setIssuedAt().setExpirationTime('1h').sign(key);
      await expect(links.verify(token)).rejects.toMatchObject({ status: 404, code: 'not_found' });
    }
    const other = await new ReviewLinks({ secret: `${secret}-other`, publicUrl: 'x' }).sign(target);
    await expect(links.verify(other)).rejects.toMatchObject({ status: 404 });
  });

  it('is no access token, and an access token is no review link', async () => {
    const access = new AccessTokens({ secret, accessTokenTtl: 3600 });
    expect(await access.verify(await links.sign(target))).toBeUndefined();
    const accessToken = await access.sign({ id: target.userId, email: 'a@example.test' }, randomUUID());
    await expect(links.verify(accessToken)).rejects.toMatchObject({ status: 404 });
  });

  it('is made only for a booking id and a user id', async () => {
    await expect(links.sign({ bookingId: 'x', userId: target.userId })).rejects.toThrow(TypeError);
  });
});

describe('request logs', () => {
  it('keep a review link without its token', async () => {
    const token = await links.sign(target);
    expect(withoutReviewToken(`/api/reviews/request/${token}?x=1`)).toBe('/api/reviews/request/[token]?x=1');
    expect(withoutReviewToken('/api/reviews/featured')).toBe('/api/reviews/featured');
  });
});
