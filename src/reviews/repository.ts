import type { Caller, Database } from '../db/index.js';

/** A review as its author and staff see it (app_hidden.review_json). */
export interface Review {
  id: string;
  booking_id: string;
  user_id: string;
  rating: number;
  comment: string | null;
  is_featured: boolean;
  /** The author followed our link to Google's review page (GET /r/google/:id); not proof they posted. */
  google_synced: boolean;
  /** 4 or 5 stars with a comment: worth featuring; staff decide. */
  suggested_feature: boolean;
  created_at: string;
}

/** What the review page shows for a booking (api.review_request). */
export interface ReviewRequest {
  booking_id: string;
  /** The service's name (its key when the catalog no longer has it). */
  service: string;
  date_time: string;
  first_name: string | null;
  reviewed: boolean;
}

export interface AdminReviewFilter {
  featured?: boolean;
  suggested?: boolean;
  limit: number;
  offset: number;
}

/** The caller's own completed booking as the review page shows it (404, 422 booking_not_completed). */
export function reviewRequest(db: Database, caller: Caller, bookingId: string): Promise<ReviewRequest> {
  return db.call<ReviewRequest>(caller, 'api.review_request', [bookingId]);
}

/** Stores the caller's review of their booking (one per booking: 409 already_reviewed); `google`: a Google link is set. */
export function submitReview(db: Database, caller: Caller, bookingId: string, rating: number, comment: string | null): Promise<{ review: Review; google: boolean }> {
  return db.call(caller, 'api.submit_review', [bookingId, rating, comment]);
}

/** Featured reviews as the public sees them, as the response body. */
export function featuredJson(db: Database, caller: Caller, limit: number): Promise<string> {
  return db.callText(caller, 'api.featured_reviews', [limit]);
}

/** Count and average rating of all reviews, as the response body. */
export function summaryJson(db: Database, caller: Caller): Promise<string> {
  return db.callText(caller, 'api.review_summary');
}

/** All reviews with their customers, for staff (operators and up), as the response body. */
export function adminListJson(db: Database, caller: Caller, filter: AdminReviewFilter): Promise<string> {
  return db.callText(caller, 'api.admin_reviews', [filter.featured ?? null, filter.suggested ?? null, filter.limit, filter.offset]);
}

/** Features or unfeatures a review (admins). */
export function setFeatured(db: Database, caller: Caller, reviewId: string, featured: boolean): Promise<Review> {
  return db.call<Review>(caller, 'api.set_review_featured', [reviewId, featured]);
}

/** The Google review URL, marking the review google_synced (404 when no URL is set or no such review). */
export function googleRedirect(db: Database, caller: Caller, reviewId: string): Promise<string> {
  return db.call<string>(caller, 'api.google_review_redirect', [reviewId]);
}
