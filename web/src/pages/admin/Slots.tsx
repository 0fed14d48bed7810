import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import {
  createSlots,
  dayStart,
  deleteSlot,
  instantsOf,
  previewSlots,
  problemText,
  staffSlots,
  statusLabel,
  updateSlot,
  type CreatedSlots,
  type PreviewSlot,
  type RecurringRequest,
  type StaffSlot,
} from '../../api/admin-day';
import { ApiError } from '../../api/client';
import { describeError } from '../../api/errors';
import { Button, Checkbox, ErrorMessage, Notice, PageTitle, QueryState, TextField } from '../../components/ui';
import { useTimezone } from '../../lib/business';
import { addDaysKey, formatDay, formatTime, todayIn, zoneName } from '../../lib/time';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** "Add slots" (a recurring set, previewed with its DST-skipped times) and "Close a day". */
export function SlotsPage() {
  const tz = useTimezone();
  return (
    <section className="admin-slots">
      <PageTitle lead={`All times are ${zoneName(tz)} (${tz}), the business’s time zone.`}>Slots</PageTitle>
      <AddSlots tz={tz} />
      <CloseDay tz={tz} />
    </section>
  );
}

/** "9:00 AM" for a local date and time (the first instant it names). */
function localLabel(day: string, time: string, tz: string): string {
  const at = instantsOf(day, time, tz)[0];
  if (at === undefined) {
    const [h, m] = time.split(':').map(Number) as [number, number];
    return `${h % 12 || 12}:${String(m).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
  }
  return formatTime(new Date(at), tz);
}

function AddSlots({ tz }: { tz: string }) {
  const queryClient = useQueryClient();
  const start = addDaysKey(todayIn(tz), 1);
  const [form, setForm] = useState({ from: start, to: addDaysKey(start, 6), weekdays: [1, 2, 3, 4, 5], day_start: '09:00', day_end: '17:00', slot_minutes: '60', max_bookings: '1' });
  const [result, setResult] = useState<CreatedSlots | null>(null);
  const request: RecurringRequest = {
    from: form.from,
    to: form.to,
    weekdays: [...form.weekdays].sort(),
    day_start: form.day_start,
    day_end: form.day_end,
    slot_minutes: Number(form.slot_minutes),
    max_bookings: Number(form.max_bookings),
  };
  const preview = useMemo(() => previewSlots(request, tz), [JSON.stringify(request), tz]); // eslint-disable-line react-hooks/exhaustive-deps
  const create = useMutation({
    mutationFn: () => createSlots(request),
    onSuccess: (r) => {
      setResult(r);
      void queryClient.invalidateQueries({ queryKey: ['admin'] });
    },
  });
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) => {
    setResult(null);
    setForm((f) => ({ ...f, [field]: e.target.value }));
  };
  const good = preview?.filter((p) => !p.problem) ?? [];
  const skipped = preview?.filter((p) => p.problem) ?? [];
  const days = new Map<string, PreviewSlot[]>();
  for (const p of good) days.set(p.date, [...(days.get(p.date) ?? []), p]);

  return (
    <section aria-labelledby="add-slots" className="card">
      <h2 id="add-slots">Add slots</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <div className="slot-form">
          <TextField label="From" type="date" required value={form.from} onChange={set('from')} />
          <TextField label="To" type="date" required value={form.to} min={form.from} onChange={set('to')} />
          <TextField label="Day starts" type="time" required value={form.day_start} onChange={set('day_start')} />
          <TextField label="Day ends" type="time" required value={form.day_end} onChange={set('day_end')} />
          <TextField label="Length (minutes)" type="number" min={10} max={720} required value={form.slot_minutes} onChange={set('slot_minutes')} />
          <TextField label="Places per slot" type="number" min={1} max={100} required value={form.max_bookings} onChange={set('max_bookings')} />
        </div>
        <fieldset className="weekdays">
          <legend>Weekdays</legend>
          {WEEKDAYS.map((name, i) => (
            <Checkbox
              key={name}
              label={name}
              checked={form.weekdays.includes(i + 1)}
              onChange={(e) => {
                setResult(null);
                const on = e.target.checked;
                setForm((f) => ({ ...f, weekdays: on ? [...f.weekdays, i + 1] : f.weekdays.filter((d) => d !== i + 1) }));
              }}
            />
          ))}
        </fieldset>

        <section aria-labelledby="slot-preview" className="slot-preview">
          <h3 id="slot-preview">Preview</h3>
          {!preview ? (
            <p className="muted">Fill in the dates and times (the day must end after it starts) to see the slots.</p>
          ) : (
            <>
              <p data-testid="preview-summary">
                {good.length} slot{good.length === 1 ? '' : 's'} on {days.size} day{days.size === 1 ? '' : 's'} will be created
                {skipped.length > 0 && `; ${skipped.length} skipped`}. Slots that already exist are left alone.
              </p>
              {skipped.length > 0 && (
                <div className="alert alert-warning" role="status">
                  <p>
                    <strong>Skipped times</strong>
                  </p>
                  <ul aria-label="Skipped times">
                    {skipped.slice(0, 50).map((p) => (
                      <li key={`${p.date}${p.start_time}`}>
                        {formatDay(dayStart(p.date, tz), tz)}, {localLabel(p.date, p.start_time, tz)}–{localLabel(p.date, p.end_time, tz)}:{' '}
                        {p.problem === 'slot_in_past' ? problemText.slot_in_past : `${problemTime(p, tz)} ${problemText[p.problem!]}`}
                      </li>
                    ))}
                    {skipped.length > 50 && <li>and {skipped.length - 50} more</li>}
                  </ul>
                </div>
              )}
              <ul className="preview-days" aria-label="Slots to be created">
                {[...days.entries()].slice(0, 62).map(([d, list]) => (
                  <li key={d}>
                    <strong>{formatDay(dayStart(d, tz), tz)}</strong>: {list.map((p) => localLabel(p.date, p.start_time, tz)).join(', ')}
                  </li>
                ))}
                {days.size > 62 && <li className="muted">and {days.size - 62} more days</li>}
              </ul>
            </>
          )}
        </section>
        <Button type="submit" busy={create.isPending} disabled={!preview || good.length === 0}>
          Create {good.length} slot{good.length === 1 ? '' : 's'}
        </Button>
      </form>
      {create.error && <ErrorMessage error={create.error} />}
      {result && (
        <Notice tone={result.skipped.length ? 'warning' : 'success'}>
          <p>
            Created {result.created.length} slot{result.created.length === 1 ? '' : 's'}
            {result.existing > 0 && `; ${result.existing} already existed`}
            {result.skipped.length > 0 && `; ${result.skipped.length} skipped`}.
          </p>
          {result.skipped.length > 0 && (
            <ul aria-label="Skipped by the server">
              {result.skipped.slice(0, 50).map((s) => (
                <li key={`${s.date}${s.start_time}`}>
                  {s.date} {s.start_time}–{s.end_time}: {problemText[s.problem] ?? s.problem.replace(/_/g, ' ')}
                </li>
              ))}
            </ul>
          )}
          <Link to="/admin/calendar" search={{ day: request.from, view: 'week' }}>
            See them in the calendar
          </Link>
        </Notice>
      )}
    </section>
  );
}

/** Which end of the slot the DST change hits ("1:00 AM"). */
function problemTime(p: PreviewSlot, tz: string): string {
  const bad = instantsOf(p.date, p.start_time, tz).length !== 1 ? p.start_time : p.end_time;
  return `${localLabel(p.date, bad, tz)}`;
}

function CloseDay({ tz }: { tz: string }) {
  const queryClient = useQueryClient();
  const [day, setDay] = useState(addDaysKey(todayIn(tz), 1));
  const [asked, setAsked] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ done: string; refused: StaffSlot[] } | null>(null);
  const slots = useQuery({ queryKey: ['admin', 'slots', asked, asked], queryFn: () => staffSlots(asked!, asked!), enabled: asked !== null });

  const close = useMutation({
    mutationFn: async (mode: 'close' | 'delete') => {
      const list = slots.data?.slots ?? [];
      const refused: StaffSlot[] = [];
      for (const s of list) {
        try {
          if (mode === 'close') {
            if (s.is_available) await updateSlot(s.id, { is_available: false });
          } else {
            await deleteSlot(s.id);
          }
        } catch (err) {
          if (err instanceof ApiError && err.code === 'slot_not_empty') refused.push(s);
          else throw err;
        }
      }
      return {
        done: mode === 'close' ? `Closed ${list.length} slot(s): nobody can book this day now.` : `Deleted ${list.length - refused.length} empty slot(s).`,
        refused,
      };
    },
    onSuccess: (r) => {
      setOutcome(r);
      void queryClient.invalidateQueries({ queryKey: ['admin'] });
    },
  });

  const affected = (slots.data?.slots ?? []).flatMap((s) => s.bookings.map((b) => ({ slot: s, booking: b })));

  return (
    <section aria-labelledby="close-day" className="card">
      <h2 id="close-day">Close a day</h2>
      <p className="muted">For a holiday or the van in the shop: see the bookings it affects first.</p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setOutcome(null);
          setAsked(day);
        }}
      >
        <TextField label="Day to close" type="date" required value={day} onChange={(e) => setDay(e.target.value)} />
        <Button type="submit" variant="secondary">
          Show that day
        </Button>
      </form>
      {asked && (
        <QueryState query={slots}>
          {(data) => (
            <div aria-live="polite">
              <h3>{formatDay(dayStart(asked, tz), tz)}</h3>
              {data.slots.length === 0 ? (
                <p>No slots on this day: nothing to close.</p>
              ) : (
                <>
                  <p>
                    {data.slots.length} slot(s), {data.slots.filter((s) => s.is_available).length} open; {affected.length} booking(s) affected.
                  </p>
                  {affected.length > 0 ? (
                    <>
                      <h4>Bookings on this day (move or cancel them: closing does not)</h4>
                      <ul aria-label="Bookings affected">
                        {affected.map(({ slot, booking }) => (
                          <li key={booking.id}>
                            {formatTime(slot.starts_at, tz)} {zoneName(tz, slot.starts_at)}: {booking.customer?.full_name || 'Customer'}
                            {booking.customer?.phone && (
                              <>
                                {' '}
                                (<a href={`tel:${booking.customer.phone}`}>{booking.customer.phone}</a>)
                              </>
                            )}{' '}
                            · {statusLabel[booking.status]}
                          </li>
                        ))}
                      </ul>
                      <Link to="/admin/calendar" search={{ day: asked, view: 'day' }}>
                        Move them in the calendar
                      </Link>
                    </>
                  ) : (
                    <p>No bookings on this day.</p>
                  )}
                  <div className="row">
                    <Button variant="danger" busy={close.isPending} onClick={() => close.mutate('close')}>
                      Close all slots of the day
                    </Button>
                    <Button variant="danger" busy={close.isPending} onClick={() => close.mutate('delete')}>
                      Delete the day’s slots
                    </Button>
                  </div>
                  <p className="field-hint">Closing keeps the slots (they can be opened again) and stops new bookings. Deleting removes the empty ones; a slot with bookings stays.</p>
                </>
              )}
            </div>
          )}
        </QueryState>
      )}
      {close.error && <ErrorMessage error={close.error} />}
      {outcome && (
        <Notice tone={outcome.refused.length ? 'warning' : 'success'}>
          <p>{outcome.done}</p>
          {outcome.refused.length > 0 && (
            <>
              <p>{describeError(new ApiError(409, 'slot_not_empty', ''))} These slots still have bookings:</p>
              <ul aria-label="Slots not deleted">
                {outcome.refused.map((s) => (
                  <li key={s.id}>
                    {formatTime(s.starts_at, tz)}: {s.bookings.map((b) => b.customer?.full_name || 'Customer').join(', ')}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Notice>
      )}
    </section>
  );
}
