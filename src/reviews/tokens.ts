import { createSecretKey, type KeyObject } from 'node:crypto';
import { AppError, notFound } from '../errors.js';

/**
 * The audience and header type of a review token. An access token has audience "authenticated"
 * and type "JWT": neither passes for the other (AccessTokens.verify requires its audience, and
 * verify below requires both of these).
 */
export const REVIEW_TOKEN_AUDIENCE = 'recovery-machine:review';
export const REVIEW_TOKEN_TYPE = 'review+jwt';
/** How long a review link works: 30 days from when it was made. */
export const REVIEW_TOKEN_TTL_SECONDS = 30 * 86_400;

/** What a review link stands for: one booking of one customer. */
export interface ReviewTarget {
  bookingId: string;
  /** The booking's customer (bookings.user_id); the review is written as them. */
  userId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let jose: Promise<typeof import('jose')> | undefined;
const loadJose = () => (jose ??= import('jose'));

export const reviewLinkExpired = () => new AppError(410, 'review_link_expired', 'This review link has expired');
const unknownLink = () => notFound('Review link');

/**
 * Signs and checks review links (`${PUBLIC_URL}/review/<token>`): HS256 with JWT_SECRET, valid for
 * one booking for 30 days. Built once in services.ts (`services.reviewLinks`); the message worker
 * calls `link(...)` when it sends a review_request.
 */
export class ReviewLinks {
  private readonly key: KeyObject;

  constructor(private readonly settings: { secret: string; publicUrl: string; ttlSeconds?: number }) {
    this.key = createSecretKey(Buffer.from(settings.secret, 'utf8'));
  }

  /** A token for this booking, valid for 30 days from `issuedAt` (now by default). */
  async sign(target: ReviewTarget, issuedAt: Date = new Date()): Promise<string> {
    if (!UUID.test(target.bookingId) || !UUID.test(target.userId)) throw new TypeError('a review token needs a booking id and a user id (uuids)');
    const { SignJWT } = await loadJose();
    const iat = Math.floor(issuedAt.getTime() / 1000);
    return new SignJWT({ bid: target.bookingId })
      .setProtectedHeader({ alg: 'HS256', typ: REVIEW_TOKEN_TYPE })
      .setSubject(target.userId)
      .setAudience(REVIEW_TOKEN_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + (this.settings.ttlSeconds ?? REVIEW_TOKEN_TTL_SECONDS))
      .sign(this.key);
  }

  /** The review page's address for this booking: `${PUBLIC_URL}/review/<token>`. */
  async link(target: ReviewTarget, issuedAt?: Date): Promise<string> {
    return `${this.settings.publicUrl}/review/${await this.sign(target, issuedAt)}`;
  }

  /**
   * The booking a token stands for. Anything that is not a review token we signed (forged,
   * altered, an access token, garbage) is 404 not_found; a genuine one past its 30 days is 410
   * review_link_expired.
   */
  async verify(token: string): Promise<ReviewTarget> {
    const j = await loadJose();
    try {
      const { payload } = await j.jwtVerify(token, this.key, { algorithms: ['HS256'], audience: REVIEW_TOKEN_AUDIENCE, typ: REVIEW_TOKEN_TYPE });
      return targetOf(payload);
    } catch (err) {
      // jose checks the signature, then typ and audience, then expiry: an expired error is a genuine review token.
      if (err instanceof j.errors.JWTExpired) throw reviewLinkExpired();
      if (err instanceof AppError) throw err;
      if (err instanceof j.errors.JOSEError || err instanceof TypeError) throw unknownLink();
      throw err;
    }
  }
}

/** A URL as logs may keep it: a review link's token is a credential for 30 days. */
export function withoutReviewToken(url: string): string {
  return url.replace(/^\/api\/reviews\/request\/[^/?#]+/, '/api/reviews/request/[token]');
}

function targetOf(payload: { sub?: unknown; bid?: unknown }): ReviewTarget {
  const { sub, bid } = payload;
  if (typeof sub !== 'string' || typeof bid !== 'string' || !UUID.test(sub) || !UUID.test(bid)) throw unknownLink();
  return { bookingId: bid, userId: sub };
}
