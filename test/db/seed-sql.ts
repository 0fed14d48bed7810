// The seed's queries, copied verbatim from recovery-machine-schema.md ("Common Queries &
// Analytics" and "Data Integrity Checks"), without the trailing semicolon.
export const seedQueries = {
  /** Monthly revenue calculation */
  monthlyRevenue: `SELECT 
  DATE_TRUNC('month', created_at) as month,
  SUM(amount) / 100.0 as revenue_dollars,
  COUNT(*) as order_count,
  AVG(amount) / 100.0 as avg_order_value
FROM orders 
WHERE status = 'paid'
GROUP BY DATE_TRUNC('month', created_at)
ORDER BY month DESC`,
  /** Customer lifetime value */
  customerLifetimeValue: `SELECT 
  p.email,
  COUNT(DISTINCT b.id) as total_bookings,
  SUM(o.amount) / 100.0 as lifetime_value,
  MAX(b.date_time) as last_booking
FROM profiles p
LEFT JOIN bookings b ON p.id = b.user_id
LEFT JOIN orders o ON b.order_id = o.id
WHERE o.status = 'paid'
GROUP BY p.id, p.email
ORDER BY lifetime_value DESC`,
  /** Top referrers leaderboard */
  topReferrers: `SELECT 
  p.email as referrer_email,
  p.full_name as referrer_name,
  COUNT(*) as total_referrals,
  COUNT(CASE WHEN r.status = 'accepted' THEN 1 END) as successful_referrals,
  SUM(CASE WHEN r.status = 'accepted' THEN r.reward_credits ELSE 0 END) as credits_earned
FROM referrals r
JOIN profiles p ON r.referrer_id = p.id
GROUP BY p.id, p.email, p.full_name
HAVING COUNT(CASE WHEN r.status = 'accepted' THEN 1 END) > 0
ORDER BY successful_referrals DESC, total_referrals DESC`,
  /** Referral conversion rates */
  referralConversion: `SELECT 
  DATE_TRUNC('month', created_at) as month,
  COUNT(*) as invitations_sent,
  COUNT(CASE WHEN status = 'accepted' THEN 1 END) as successful_signups,
  ROUND(
    COUNT(CASE WHEN status = 'accepted' THEN 1 END) * 100.0 / COUNT(*), 
    2
  ) as conversion_rate_percent
FROM referrals
GROUP BY DATE_TRUNC('month', created_at)
ORDER BY month DESC`,
  /** Popular service types */
  popularServiceTypes: `SELECT 
  service_type,
  COUNT(*) as booking_count,
  AVG(duration) as avg_duration,
  SUM(total_amount) / 100.0 as total_revenue
FROM bookings
WHERE status = 'completed'
GROUP BY service_type
ORDER BY booking_count DESC`,
  /** Peak booking times */
  peakBookingTimes: `SELECT 
  EXTRACT(hour FROM date_time) as hour_of_day,
  COUNT(*) as booking_count
FROM bookings
WHERE status IN ('completed', 'confirmed')
GROUP BY EXTRACT(hour FROM date_time)
ORDER BY hour_of_day`,
  /** Find bookings without valid orders */
  bookingsWithoutValidOrders: `SELECT b.id, b.user_id, b.order_id
FROM bookings b
LEFT JOIN orders o ON b.order_id = o.id
WHERE b.order_id IS NOT NULL AND o.id IS NULL`,
  /** Find credit imbalances */
  creditImbalances: `SELECT 
  p.id,
  p.email,
  p.credits as current_credits,
  COALESCE(SUM(ct.amount), 0) as transaction_total
FROM profiles p
LEFT JOIN credit_transactions ct ON p.id = ct.user_id
GROUP BY p.id, p.email, p.credits
HAVING p.credits != COALESCE(SUM(ct.amount), 0)`,
} as const;
