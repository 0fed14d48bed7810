/** Types for the staff console's reviews, reports and settings pages (the API's response shapes). */

export interface AdminReview {
  id: string;
  booking_id: string;
  user_id: string;
  rating: number;
  comment: string | null;
  is_featured: boolean;
  google_synced: boolean;
  suggested_feature: boolean;
  created_at: string;
  service_type: string;
  session_at: string;
  customer: { id: string; full_name: string | null; email: string } | null;
}

export interface AdminReviewList {
  reviews: AdminReview[];
  total: number;
  limit: number;
  offset: number;
}

export interface FeaturedReview {
  rating: number;
  comment: string | null;
  author: string | null;
  service: string;
  month: string;
}

export const reportNames = ['overview', 'revenue', 'services', 'peak-hours', 'utilization', 'referral-conversion', 'customers', 'referrers'] as const;
export type ReportName = (typeof reportNames)[number];

export interface ReportResponse<Row = Record<string, unknown>> {
  report: ReportName;
  from: string;
  to: string;
  timezone: string;
  rows: Row[];
  next_cursor: string | null;
}

export interface RevenueRow {
  month: string;
  revenue_cents: number;
  order_count: number;
  avg_order_cents: number;
  refunded_cents: number;
  net_cents: number;
}
export interface CustomerRow {
  id: string;
  email: string;
  full_name: string | null;
  credits: number;
  total_bookings: number;
  lifetime_value_cents: number;
  last_booking: string | null;
}
export interface ReferrerRow {
  referrer_id: string;
  referrer_email: string;
  referrer_name: string | null;
  total_referrals: number;
  successful_referrals: number;
  credits_earned: number;
}
export interface ReferralConversionRow {
  month: string;
  invitations_sent: number;
  successful_signups: number;
  conversion_rate_percent: number | null;
}
export interface ServiceRow {
  service_type: string;
  booking_count: number;
  avg_duration: number | null;
  revenue_cents: number;
}
export interface PeakHourRow {
  hour_of_day: number;
  booking_count: number;
}
export interface UtilizationRow {
  week: string;
  slots_offered: number;
  places_offered: number;
  places_booked: number;
  utilization_percent: number | null;
}
export interface OverviewRow {
  this_month: string;
  last_month: string;
  this_month_revenue_cents: number;
  last_month_revenue_cents: number;
  this_month_bookings: number;
  last_month_bookings: number;
  this_month_new_customers: number;
  last_month_new_customers: number;
  this_month_average_rating: number | null;
  last_month_average_rating: number | null;
  credits_outstanding: number;
}

export interface CatalogService {
  key: string;
  name: string;
  description: string;
  duration_minutes: number;
  price_cents: number;
  active: boolean;
  sort_order: number;
}
export interface CatalogAddOn {
  key: string;
  name: string;
  description: string;
  price_cents: number;
  per_unit: boolean;
  max_quantity: number;
  extra_minutes: number;
  active: boolean;
  sort_order: number;
}
export interface AdminCatalog {
  services: CatalogService[];
  add_ons: CatalogAddOn[];
}

export interface AdminSettings {
  timezone: string;
  min_notice_minutes: number;
  cancellation_window_minutes: number;
  service_area_zips: string[];
  setup_fee_cents: number;
  referral_reward_credits: number;
  order_expiry_minutes: number;
  cancellation_refund_to: 'card' | 'credits';
  referral_reward_on: 'first_paid_booking' | 'signup';
  google_review_url: string | null;
  reminder_offsets_minutes: number[];
  review_request_delay_minutes: number;
  business_name: string;
  business_phone: string | null;
  business_address: string | null;
}

/** A validation error's per-field detail, as the API sends it (`field` is a dotted path, e.g. service_area_zips.0). */
export interface FieldIssue {
  field: string;
  in?: string;
  message?: string;
}
