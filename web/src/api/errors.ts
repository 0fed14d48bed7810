import { ApiError, NetworkError } from './client';

/**
 * Every API error as a sentence a customer (or a staff member) understands. The codes are the
 * API's stable error codes; an unknown code falls back to the API's own message.
 */
const sentences: Record<string, string> = {
  validation_failed: 'Some of the details are not quite right. Check the highlighted fields and try again.',
  unauthorized: 'Please sign in to continue.',
  forbidden: 'Your account may not do that.',
  not_found: 'We could not find that. It may have been removed.',
  conflict: 'That changed while you were looking at it. Refresh and try again.',
  rate_limited: 'Too many tries in a short time. Wait a minute and try again.',
  internal: 'Something went wrong on our side. Please try again in a moment.',
  unavailable: 'Recovery Machine is busy right now. Please try again in a moment.',
  email: 'An account with this email already exists. Sign in instead.',
  invalid_referral_code: 'That referral code is not valid. Check the link your friend sent.',
  self_referral: 'You cannot refer yourself.',
  already_customer: 'That person already has an account.',
  slot_full: 'Someone just took the last place at that time. Please pick another time.',
  slot_unavailable: 'That time is no longer available. Please pick another time.',
  slot_not_found: 'That time is no longer offered. Please pick another time.',
  already_booked: 'You already have a session at that time.',
  too_late: 'That time is too soon to book. Please pick a later time.',
  too_early: 'That time is too far ahead to book yet.',
  outside_service_area: 'Sorry, we do not drive to that address yet. Check the zip code.',
  address_required: 'Please add the address where we should bring the equipment.',
  invalid_address: 'Please check the address: street, city, state and a 5-digit zip code.',
  insufficient_credits: 'You do not have that many credits.',
  whole_credits_only: 'Credits are used in whole numbers.',
  cancellation_window_passed: 'It is too close to the session to change it online. Please call us.',
  invalid_transition: 'That booking can no longer be changed that way.',
  invalid_order_transition: 'That payment can no longer be changed that way.',
  checkout_expired: 'This payment link has expired. Book the time again to get a new one.',
  checkout_closed: 'This payment is already finished.',
  payment_provider_unavailable: 'Payments are not responding right now. Please try again in a minute.',
  order_not_paid: 'That order has not been paid.',
  refund_exceeds_paid: 'You cannot refund more than was paid.',
  refund_decision_required: 'Choose how the money is returned first.',
  refund_already_decided: 'The refund for this booking was already decided.',
  refund_settled: 'That refund is already finished.',
  no_card_payment: 'There is no card payment on this order to refund to.',
  already_reviewed: 'You have already reviewed this session. Thank you!',
  booking_not_completed: 'You can review a session once it has happened.',
  booking_not_cancelled: 'That booking is not cancelled.',
  review_link_expired: 'This review link has expired. Thank you for thinking of us!',
  invalid_link: 'This link is not valid. Check that you copied all of it.',
  invalid_phone: 'Please enter a phone number with its area code, e.g. (310) 555-0100.',
  phone_required: 'Add a phone number to your profile to get texts.',
  slot_overlaps: 'That slot overlaps another one.',
  slot_in_past: 'That time has already passed.',
  slot_too_short: 'That slot is too short for a session.',
  slot_not_empty: 'That slot has bookings. Move or cancel them first.',
  last_super_admin: 'There must always be at least one super admin.',
  invalid_timezone: 'That time zone is not recognised.',
  invalid_business_name: 'The business name must be one line.',
  payload_too_large: 'That is too much text.',
  invalid_range: 'The start date must be on or before the end date.',
  range_too_long: 'A report covers at most 10 years. Choose a shorter range.',
  invalid_cursor: 'That page of the report is out of date. Reload the report.',
  not_flagged: 'This order has no flags to review.',
};

/** A sentence for any error thrown by the API client (or anything else). */
export function describeError(error: unknown): string {
  if (error instanceof NetworkError) return error.message;
  if (error instanceof ApiError) {
    if (error.code === 'validation_failed' && error.message) return `Please check your details: ${error.message}`;
    return sentences[error.code] ?? error.message ?? sentences.internal!;
  }
  return sentences.internal!;
}

export const isNetworkError = (error: unknown): boolean => error instanceof NetworkError;
export const errorCode = (error: unknown): string | undefined => (error instanceof ApiError ? error.code : undefined);
