import { signedIn } from '../auth/caller.js';
import type { Caller, Database } from '../db/index.js';
import { validationFailed } from '../errors.js';
import * as repo from './repository.js';
import { REVIEW_TOKEN_AUDIENCE, type ReviewLinks, type ReviewTarget } from './tokens.js';

/** A review by link (`token`) or, signed in, by booking id: exactly one of the two. */
export interface ReviewSubmission {
  token?: string;
  booking_id?: string;
  rating: number;
  comment?: string | null;
}

export interface SubmittedReview {
  review: repo.Review;
  /** Our redirect to Google's "write a review" page (GET /r/google/:id), whatever the rating; null when none is set. */
  google_review_link: string | null;
}

/**
 * A review link acts as the booking's customer, for the review functions only: the database
 * then applies the same rules (own, completed booking; one review) as when they sign in.
 */
function customerOf(target: ReviewTarget): Caller {
  return { role: 'authenticated', claims: { sub: target.userId, role: 'authenticated', aud: REVIEW_TOKEN_AUDIENCE } };
}

export class ReviewService {
  constructor(
    private readonly db: Database,
    private readonly links: ReviewLinks,
    private readonly publicUrl: string,
  ) {}

  /** The review page's summary for a link: 404 for an unknown link, 410 past its 30 days. */
  async request(token: string): Promise<repo.ReviewRequest> {
    const target = await this.links.verify(token);
    return repo.reviewRequest(this.db, customerOf(target), target.bookingId);
  }

  async submit(caller: Caller, input: ReviewSubmission): Promise<SubmittedReview> {
    if ((input.token === undefined) === (input.booking_id === undefined)) {
      throw validationFailed('Give either token (from the review link) or booking_id (signed in)', { field: input.token === undefined ? 'token' : 'booking_id' });
    }
    let as: Caller;
    let bookingId: string;
    if (input.token !== undefined) {
      const target = await this.links.verify(input.token);
      as = customerOf(target);
      bookingId = target.bookingId;
    } else {
      signedIn(caller);
      as = caller;
      bookingId = input.booking_id!;
    }
    const { review, google } = await repo.submitReview(this.db, as, bookingId, input.rating, input.comment ?? null);
    return { review, google_review_link: google ? this.googleLink(review.id) : null };
  }

  googleLink(reviewId: string): string {
    return `${this.publicUrl}/r/google/${reviewId}`;
  }

  featured(caller: Caller, limit: number): Promise<string> {
    return repo.featuredJson(this.db, caller, limit);
  }

  summary(caller: Caller): Promise<string> {
    return repo.summaryJson(this.db, caller);
  }

  adminList(caller: Caller, filter: repo.AdminReviewFilter): Promise<string> {
    return repo.adminListJson(this.db, caller, filter);
  }

  setFeatured(caller: Caller, reviewId: string, featured: boolean): Promise<repo.Review> {
    return repo.setFeatured(this.db, caller, reviewId, featured);
  }

  /** Where GET /r/google/:id sends the visitor; marks the review google_synced. */
  googleRedirect(caller: Caller, reviewId: string): Promise<string> {
    return repo.googleRedirect(this.db, caller, reviewId);
  }
}
