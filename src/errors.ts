/** The one error shape every response uses: `{error: {code, message, details?}}`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** A failure the caller can act on: a stable `code`, an HTTP status and a safe message. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const validationFailed = (message: string, details?: unknown) => new AppError(400, 'validation_failed', message, details);
export const unauthorized = (message = 'Sign in to continue') => new AppError(401, 'unauthorized', message);
/** No token on a route that needs one (RFC 6750 §3). */
export const signInRequired = () =>
  new AppError(401, 'unauthorized', 'Sign in to continue', undefined, { 'www-authenticate': 'Bearer' });

/** A malformed, forged or expired token on a route that needs one. */
export const invalidToken = () =>
  new AppError(401, 'unauthorized', 'Invalid or expired access token', undefined, {
    'www-authenticate': 'Bearer error="invalid_token"',
  });

export const forbidden = (message = 'You may not do that') => new AppError(403, 'forbidden', message);
export const notFound = (what = 'Resource') => new AppError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, details?: unknown, code = 'conflict') => new AppError(409, code, message, details);
export const unprocessable = (message: string, details?: unknown, code = 'unprocessable') =>
  new AppError(422, code, message, details);

/** Database errors that carry a business meaning, by constraint name. */
const constraintErrors: Record<string, { status: number; code: string; message: string }> = {
  valid_booking_count: { status: 409, code: 'slot_full', message: 'That time slot is full' },
  bookings_one_live_per_customer_time: { status: 409, code: 'already_booked', message: 'You already have a booking at that time' },
  future_booking: { status: 422, code: 'too_late', message: 'Sessions must be booked in the future' },
  profiles_credits_check: { status: 422, code: 'insufficient_credits', message: 'Not enough credits' },
  profiles_email_key: { status: 409, code: 'conflict', message: 'That email is already registered' },
  referrals_referrer_id_invitee_email_key: { status: 409, code: 'already_invited', message: 'You already invited that email' },
  orders_one_setup_fee_per_customer: { status: 409, code: 'conflict', message: 'Another order is being placed; please try again' },
  orders_refunded_within_paid: { status: 422, code: 'refund_exceeds_paid', message: 'That is more than was paid' },
  orders_card_refunded_within_amount: { status: 422, code: 'refund_exceeds_paid', message: 'That is more than the card paid' },
  orders_pending_refunds_within_paid: { status: 422, code: 'refund_exceeds_paid', message: 'That is more than is left to refund' },
  availability_slots_no_overlap: { status: 409, code: 'slot_overlaps', message: 'That slot overlaps another slot' },
  profiles_address_check: { status: 422, code: 'invalid_address', message: 'An address is an object whose street, city, state and zip are strings' },
  bookings_address_check: { status: 422, code: 'invalid_address', message: 'An address is an object whose street, city, state and zip are strings' },
};

interface PgError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  constraint?: string;
  column?: string;
}

function isPgError(err: unknown): err is PgError & Error {
  return err instanceof Error && typeof (err as PgError).code === 'string' && /^[0-9A-Z]{5}$/.test((err as PgError).code!);
}

/** The field a unique violation is about, from `Key (email)=(…) already exists.`, without the value. */
function uniqueField(detail?: string): string | undefined {
  return /^Key \(([^)]+)\)=/.exec(detail ?? '')?.[1];
}

/** The details object an `RM` raise carries as JSON in its HINT; undefined otherwise. */
function hintDetails(hint: string | undefined): Record<string, unknown> | undefined {
  if (!hint?.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(hint);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Maps a database error to an AppError, or returns undefined when it is not one the caller
 * caused (a bug or an outage: answered as a bare 500). The one place SQLSTATEs are read.
 */
export function fromDatabaseError(err: unknown): AppError | undefined {
  if (!isPgError(err)) return undefined;
  const { code = '', constraint, detail, message = '' } = err;
  const known = constraint ? constraintErrors[constraint] : undefined;
  // 23P01: an exclusion constraint (e.g. availability_slots_no_overlap).
  if (known && (code === '23505' || code === '23514' || code === '23P01')) return new AppError(known.status, known.code, known.message);
  // Our own raises: SQLSTATE RM<http status>, MESSAGE = stable code, DETAIL = human text,
  // HINT = details as a JSON object (optional). The rules and their messages live in SQL only.
  if (code.startsWith('RM')) {
    const status = Number(code.slice(2));
    return new AppError(status >= 400 && status < 500 ? status : 400, message, detail ?? message, hintDetails(err.hint));
  }
  switch (code) {
    case '23505': {
      const field = uniqueField(detail);
      return conflict(field ? `That ${field} is already taken` : 'That already exists', field ? { field } : undefined);
    }
    case '23514':
      return unprocessable('That change breaks a business rule', constraint ? { rule: constraint } : undefined);
    case '23503':
      return unprocessable('That refers to something that does not exist', constraint ? { rule: constraint } : undefined);
    case '23502':
      return validationFailed('A required value is missing', err.column ? { field: err.column } : undefined);
    case '42501':
      return forbidden();
    case '22P02':
    case '22001':
    case '22003':
    case '22007': // invalid datetime format
    case '22008': // datetime field overflow (year 0, 24:01)
    case '22009': // time zone displacement out of range (offsets past ±15:59)
    case '22023':
    case '22021':
    case '22P05': // e.g. a NUL (\u0000) inside JSON stored as jsonb
      return validationFailed('A value is malformed or out of range');
    default:
      return undefined;
  }
}
