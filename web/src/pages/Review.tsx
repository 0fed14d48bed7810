import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { ReviewRequest, ReviewSubmitted } from '../api/account';
import { errorCode } from '../api/errors';
import { Button, ErrorMessage, Loading, PageTitle, TextArea } from '../components/ui';
import { useTimezone } from '../lib/business';
import { formatDay, formatTime, zoneName } from '../lib/time';
import { StarRating } from './review/StarRating';

const MAX_COMMENT = 2000;

/** /review/<token>: the link a customer gets after a session. No sign-in: the token is the key. */
export function ReviewPage() {
  const { token } = useParams({ from: '/review/$token' });
  const request = useQuery({
    queryKey: ['review-request', token],
    queryFn: () => api<ReviewRequest>(`/api/reviews/request/${encodeURIComponent(token)}`, { auth: false }),
    retry: (count, error) => !(error instanceof ApiError) && count < 2,
  });
  const [done, setDone] = useState<ReviewSubmitted | null>(null);

  if (request.isPending) return <Loading />;
  if (request.error) return <LinkProblem error={request.error} onRetry={() => void request.refetch()} />;
  if (done) return <Thanks result={done} />;
  if (request.data.reviewed) return <AlreadyReviewed />;
  return <ReviewForm token={token} request={request.data} onDone={setDone} />;
}

function LinkProblem({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const code = errorCode(error);
  if (code === 'review_link_expired')
    return (
      <>
        <PageTitle>This review link has expired</PageTitle>
        <p>Review links work for 30 days after a session. Thank you for thinking of us all the same!</p>
        <HomeLinks />
      </>
    );
  if (code === 'not_found' || code === 'validation_failed')
    return (
      <>
        <PageTitle>We could not open this review link</PageTitle>
        <p>The link may be incomplete. Open it again from the email we sent, or check that you copied all of it.</p>
        <HomeLinks />
      </>
    );
  if (code === 'booking_not_completed')
    return (
      <>
        <PageTitle>Not yet!</PageTitle>
        <p>You can review this session once it has happened.</p>
        <HomeLinks />
      </>
    );
  return (
    <>
      <PageTitle>Review your session</PageTitle>
      <ErrorMessage error={error} onRetry={onRetry} />
    </>
  );
}

function HomeLinks() {
  return (
    <p className="row">
      <Link to="/" className="btn btn-secondary">
        Go to the home page
      </Link>
      <Link to="/book" className="btn btn-primary">
        Book a session
      </Link>
    </p>
  );
}

function AlreadyReviewed() {
  return (
    <>
      <PageTitle>You have already reviewed this session</PageTitle>
      <p>Thank you! We read every review, and yours is already with us.</p>
      <HomeLinks />
    </>
  );
}

function ReviewForm({ token, request, onDone }: { token: string; request: ReviewRequest; onDone: (r: ReviewSubmitted) => void }) {
  const tz = useTimezone();
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState('');
  const [ratingError, setRatingError] = useState<string>();
  const submit = useMutation({
    mutationFn: () => api<ReviewSubmitted>('/api/reviews', { method: 'POST', auth: false, body: { token, rating, comment: comment.trim() || null } }),
    onSuccess: onDone,
  });
  if (errorCode(submit.error) === 'already_reviewed') return <AlreadyReviewed />;

  const send = (e: FormEvent) => {
    e.preventDefault();
    if (!rating) {
      setRatingError('Please choose a rating from 1 to 5 stars.');
      return;
    }
    setRatingError(undefined);
    submit.mutate();
  };

  return (
    <>
      <PageTitle lead={request.first_name ? `Hi ${request.first_name}, how did it go?` : 'How did it go?'}>Review your session</PageTitle>
      <section className="card review-summary" aria-label="Your session">
        <p className="review-service">{request.service}</p>
        <p className="muted">
          {formatDay(request.date_time, tz)} at {formatTime(request.date_time, tz)} {zoneName(tz, request.date_time)}
        </p>
      </section>
      <form onSubmit={send} noValidate>
        <StarRating
          value={rating}
          onChange={(n) => {
            setRating(n);
            setRatingError(undefined);
          }}
          error={ratingError}
        />
        <TextArea
          label="Your comments (optional)"
          value={comment}
          maxLength={MAX_COMMENT}
          onChange={(e) => setComment(e.target.value)}
          hint={`${comment.length.toLocaleString('en-US')} of ${MAX_COMMENT.toLocaleString('en-US')} characters`}
          rows={5}
        />
        <ErrorMessage error={submit.error} onRetry={() => submit.mutate()} />
        <Button type="submit" busy={submit.isPending}>
          Submit review
        </Button>
      </form>
    </>
  );
}

function Thanks({ result }: { result: ReviewSubmitted }) {
  return (
    <>
      <PageTitle>Thank you for your review!</PageTitle>
      <p>We read every review. It helps us get better and helps others find us.</p>
      {result.google_review_link && (
        <section className="card" aria-labelledby="google-heading">
          <h2 id="google-heading">Would you also post it on Google?</h2>
          <p>A review on Google helps people near you find Recovery Machine. It takes a minute.</p>
          <a className="btn btn-primary" href={result.google_review_link} target="_blank" rel="noopener">
            Post a review on Google
          </a>
        </section>
      )}
      <HomeLinks />
    </>
  );
}
