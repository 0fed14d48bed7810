import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { cancelBooking, checkoutUrl, rescheduleBooking, type Booking, type CancellationMoney, type Order, type Slot } from '../../../api/bookings';
import { rawApi } from '../../../api/client';
import { Button, ErrorMessage, Notice } from '../../../components/ui';
import { dollars, formatDateTime } from '../../../lib/time';
import { SlotPicker } from '../../book/SlotPicker';

const statusText = (b: Booking, order: Order | undefined): string => {
  if (b.status === 'cancelled') return 'Cancelled';
  if (b.status === 'completed') return 'Completed';
  if (order?.status === 'pending') return 'Awaiting payment';
  if (b.status === 'confirmed') return 'Confirmed';
  return 'Booked';
};

/** What a cancel will do with the money, said before the customer confirms (README: Money). */
function cancelOutlook(order: Order | undefined): string {
  if (!order) return 'Nothing has been paid for this booking, so nothing is charged.';
  if (order.status === 'pending')
    return order.credits_applied > 0
      ? `Nothing has been charged yet: the payment link closes and your ${order.credits_applied} credits come back.`
      : 'Nothing has been charged yet: the payment link closes.';
  if (order.status === 'paid')
    return `You get your money back: ${order.amount > 0 ? `${dollars(order.amount)} paid by card is refunded` : 'nothing was paid by card'}${order.credits_applied > 0 ? `, and ${order.credits_applied} credits come back` : ''} (as our refund policy says: to your card, or as credits).`;
  return 'Nothing more is charged.';
}

export function BookingCard(props: {
  booking: Booking;
  order: Order | undefined;
  serviceName: string;
  tz: string;
  windowMinutes: number;
  now: number;
  /** The server's word on the money; the page shows it (the card moves to the past list). */
  onCancelled: (booking: Booking, money: CancellationMoney) => void;
}) {
  const { booking: b, order, tz } = props;
  const queryClient = useQueryClient();
  const whyId = useId();
  const [mode, setMode] = useState<'idle' | 'reschedule' | 'cancel'>('idle');
  const [month, setMonth] = useState(b.date_time.slice(0, 7));
  const [day, setDay] = useState<string | null>(null);
  const [slot, setSlot] = useState<Slot | null>(null);
  const [moved, setMoved] = useState(false);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['bookings'] });
    void queryClient.invalidateQueries({ queryKey: ['orders'] });
    void queryClient.invalidateQueries({ queryKey: ['availability'] });
    void queryClient.invalidateQueries({ queryKey: ['me'] });
  };
  const reschedule = useMutation({
    mutationFn: () => rescheduleBooking(b.id, slot!.id),
    onSuccess: () => {
      setMode('idle');
      setMoved(true);
      setSlot(null);
      refresh();
    },
  });
  const cancel = useMutation({
    mutationFn: () => cancelBooking(b.id),
    onSuccess: (r) => {
      setMode('idle');
      props.onCancelled(r.booking, r.money);
      refresh();
    },
  });
  const ics = useMutation({
    mutationFn: async () => {
      const res = await rawApi(`/api/bookings/${b.id}/calendar.ics`, { headers: { accept: 'text/calendar' } });
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `recovery-machine-${b.id}.ics`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  });

  const live = b.status === 'scheduled' || b.status === 'confirmed';
  const upcoming = live && new Date(b.date_time).getTime() > props.now;
  const insideWindow = upcoming && new Date(b.date_time).getTime() - props.now < props.windowMinutes * 60_000;
  const pay = order ? checkoutUrl(order) : null;
  const hours = Math.round(props.windowMinutes / 60);
  const price = order ? order.amount + order.credits_applied * 100 : (b.total_amount ?? 0);

  return (
    <li className="card booking">
      <h3>
        {props.serviceName}, {formatDateTime(b.date_time, tz)}
      </h3>
      <p>
        <span className={`status status-${b.status}`}>{statusText(b, order)}</span> · {b.duration} min · <span className="price">{dollars(price)}</span>
        {order && order.credits_applied > 0 && <span className="muted"> ({order.credits_applied} credits used)</span>}
      </p>
      <p className="muted">
        {b.address.street}, {b.address.city}, {b.address.state} {b.address.zip}
      </p>
      {moved && <Notice tone="success">Moved to {formatDateTime(b.date_time, tz)}.</Notice>}
      {upcoming && (
        <>
          <div className="row actions">
            {pay && (
              <a className="btn btn-primary" href={pay}>
                Pay now ({dollars(order!.amount)})
              </a>
            )}
            <Button variant="secondary" disabled={insideWindow} aria-describedby={insideWindow ? whyId : undefined} onClick={() => setMode(mode === 'reschedule' ? 'idle' : 'reschedule')}>
              Reschedule
            </Button>
            <Button variant="danger" disabled={insideWindow} aria-describedby={insideWindow ? whyId : undefined} onClick={() => setMode(mode === 'cancel' ? 'idle' : 'cancel')}>
              Cancel
            </Button>
            <Button variant="secondary" busy={ics.isPending} onClick={() => ics.mutate()}>
              Add to calendar
            </Button>
          </div>
          {insideWindow && (
            <p id={whyId} className="muted">
              This session starts in less than {props.windowMinutes % 60 === 0 ? `${hours} hours` : `${props.windowMinutes} minutes`}, so it can no longer be moved or cancelled online.
              Please call us to change it.
            </p>
          )}
          <ErrorMessage error={ics.error} onRetry={() => ics.mutate()} />
        </>
      )}
      {mode === 'reschedule' && (
        <div className="panel">
          <h4>Pick a new time</h4>
          <p className="muted small">Your current time stays yours until the new one is taken.</p>
          <SlotPicker tz={tz} month={month} day={day} slotId={slot?.id ?? null} minutes={b.duration} exclude={b.slot_id} onMonth={setMonth} onDay={setDay} onSlot={setSlot} />
          <ErrorMessage error={reschedule.error} onRetry={() => reschedule.mutate()} />
          <Button disabled={!slot} busy={reschedule.isPending} onClick={() => reschedule.mutate()}>
            {slot ? `Move to ${formatDateTime(slot.starts_at, tz)}` : 'Move to the new time'}
          </Button>
        </div>
      )}
      {mode === 'cancel' && (
        <div className="panel" role="group" aria-label="Cancel this booking">
          <p>
            <strong>Cancel this session?</strong> {cancelOutlook(order)}
          </p>
          <ErrorMessage error={cancel.error} onRetry={() => cancel.mutate()} />
          <div className="row">
            <Button variant="danger" busy={cancel.isPending} onClick={() => cancel.mutate()}>
              Yes, cancel it
            </Button>
            <Button variant="secondary" onClick={() => setMode('idle')}>
              Keep it
            </Button>
          </div>
        </div>
      )}
    </li>
  );
}
