import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import type { AdminReview, AdminReviewList } from '../../api/admin-numbers';
import { atLeast, useMe } from '../../auth/session';
import { Button, ErrorMessage, Notice, PageTitle, QueryState, SelectField, Stars } from '../../components/ui';
import { useTimezone } from '../../lib/business';
import { formatDateTime } from '../../lib/time';

const PAGE = 50;
type Filter = 'all' | 'suggested' | 'featured';

/** Every review, newest first; the ones worth featuring marked; admins feature or unfeature them. */
export function ReviewsPage() {
  const tz = useTimezone();
  const me = useMe();
  const canFeature = atLeast(me.data?.staff_role, 'admin');
  const [filter, setFilter] = useState<Filter>('all');
  const [offset, setOffset] = useState(0);
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (filter === 'suggested') params.set('suggested', 'true');
  if (filter === 'featured') params.set('featured', 'true');
  const query = useQuery({ queryKey: ['admin', 'reviews', filter, offset], queryFn: () => api<AdminReviewList>(`/api/admin/reviews?${params}`) });

  return (
    <section>
      <PageTitle lead="Reviews suggested for featuring have 4 or 5 stars and a comment. Featured reviews show on the home page.">Reviews</PageTitle>
      <div className="reviews-filter">
        <SelectField
          label="Show"
          value={filter}
          onChange={(e) => {
            setFilter(e.target.value as Filter);
            setOffset(0);
          }}
        >
          <option value="all">All reviews</option>
          <option value="suggested">Suggested for featuring</option>
          <option value="featured">Featured</option>
        </SelectField>
      </div>
      <QueryState query={query}>
        {(data) =>
          data.reviews.length === 0 ? (
            <p className="muted">No reviews here yet.</p>
          ) : (
            <>
              <p className="muted">
                {data.offset + 1}–{data.offset + data.reviews.length} of {data.total}
              </p>
              <ul className="review-list">
                {data.reviews.map((r) => (
                  <ReviewItem key={r.id} review={r} tz={tz} canFeature={canFeature} />
                ))}
              </ul>
              {(data.offset > 0 || data.offset + data.reviews.length < data.total) && (
                <div className="row">
                  <Button variant="secondary" disabled={data.offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                    Newer reviews
                  </Button>
                  <Button variant="secondary" disabled={data.offset + data.reviews.length >= data.total} onClick={() => setOffset(offset + PAGE)}>
                    Older reviews
                  </Button>
                </div>
              )}
            </>
          )
        }
      </QueryState>
    </section>
  );
}

function ReviewItem({ review, tz, canFeature }: { review: AdminReview; tz: string; canFeature: boolean }) {
  const qc = useQueryClient();
  const action = review.is_featured ? 'unfeature' : 'feature';
  const mutation = useMutation({
    mutationFn: () => api<{ review: AdminReview }>(`/api/admin/reviews/${review.id}/${action}`, { method: 'POST' }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['admin', 'reviews'] });
      void qc.invalidateQueries({ queryKey: ['reviews', 'featured'] });
    },
  });
  const who = review.customer ? review.customer.full_name || review.customer.email : 'A former customer';
  return (
    <li className="card review-item" aria-label={`Review by ${who}`}>
      <div className="row review-head">
        <Stars rating={review.rating} />
        {review.is_featured && <span className="badge badge-featured">Featured</span>}
        {review.suggested_feature && !review.is_featured && <span className="badge badge-suggested">Suggested for featuring</span>}
        {review.google_synced && <span className="badge">Sent to Google</span>}
      </div>
      <p className="review-comment">{review.comment ? `“${review.comment}”` : <span className="muted">No comment</span>}</p>
      <p className="muted">
        {who}
        {review.customer && review.customer.full_name ? ` (${review.customer.email})` : ''} · {review.service_type} on {formatDateTime(review.session_at, tz)} · reviewed{' '}
        {formatDateTime(review.created_at, tz)}
      </p>
      {canFeature && (
        <div className="row">
          <Button variant={review.is_featured ? 'secondary' : 'primary'} busy={mutation.isPending} onClick={() => mutation.mutate()}>
            {review.is_featured ? 'Unfeature' : 'Feature'}
            <span className="visually-hidden"> the review by {who}</span>
          </Button>
        </div>
      )}
      {mutation.isSuccess && <Notice tone="success">{mutation.data.review.is_featured ? 'Featured: it shows on the home page.' : 'Taken off the home page.'}</Notice>}
      <ErrorMessage error={mutation.error} onRetry={() => mutation.mutate()} />
    </li>
  );
}
