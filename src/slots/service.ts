import type { Caller, Database } from '../db/index.js';
import { conflict, notFound, unprocessable, validationFailed, type AppError } from '../errors.js';
import { requireStaff } from '../staff/access.js';
import { addDays, daysBetween, expandRecurring, isRealDate, minutesOf, type RecurringSlots } from './calendar.js';
import * as repo from './repository.js';

export const MAX_AVAILABILITY_DAYS = 62;

export type SlotRequest =
  | (repo.NewSlot & { max_bookings?: number })
  | (RecurringSlots & { max_bookings?: number });

export interface CreatedSlots {
  created: repo.Slot[];
  /**
   * Slots that cannot be created, with the reason: local times a daylight saving change skips or
   * repeats (refused, not shifted), slot_in_past, slot_overlaps.
   */
  skipped: (repo.NewSlot & { problem: string })[];
  /** Requested slots that already existed and were left alone. */
  existing: number;
}

function slotRefused({ date, start_time, end_time, problem }: repo.NewSlot & { problem: string }): AppError {
  const slot = `${date} ${start_time}–${end_time}`;
  const details = { date, start_time, end_time };
  if (problem === 'slot_overlaps') return conflict(`${slot} overlaps another slot`, details, problem);
  if (problem === 'slot_in_past') return unprocessable(`${slot} would start in the past`, details, problem);
  return unprocessable(`${slot} cannot be a slot: a daylight saving time change skips or repeats it`, details, problem);
}

export class SlotService {
  constructor(private readonly db: Database) {}

  async create(caller: Caller, request: SlotRequest): Promise<CreatedSlots> {
    const recurring = 'weekdays' in request;
    let wanted: repo.NewSlot[];
    if (recurring) {
      wanted = expandRecurring(request);
    } else {
      if (!isRealDate(request.date)) throw validationFailed('date is not a real date', { field: 'date' });
      if (minutesOf(request.end_time) <= minutesOf(request.start_time)) {
        throw validationFailed('end_time must be after start_time', { field: 'end_time' });
      }
      wanted = [{ date: request.date, start_time: request.start_time, end_time: request.end_time }];
    }
    return this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'admin');
      await repo.useBusinessTimezone(tx);
      const problems = await repo.slotProblems(tx, wanted);
      // A single slot that cannot be created is an error; in a recurring set it is skipped and reported.
      if (!recurring && problems[0]) throw slotRefused(problems[0]);
      const bad = new Set(problems.map((p) => `${p.date} ${p.start_time}`));
      const valid = wanted.filter((s) => !bad.has(`${s.date} ${s.start_time}`));
      const created = valid.length ? await repo.insertSlots(tx, valid, request.max_bookings ?? 1) : [];
      return { created, skipped: problems, existing: valid.length - created.length };
    });
  }

  async update(caller: Caller, id: string, changes: { is_available?: boolean; max_bookings?: number }): Promise<repo.Slot> {
    return this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'admin');
      await repo.useBusinessTimezone(tx);
      const slot = await repo.findSlot(tx, id, true);
      if (!slot) throw notFound('Slot');
      if (changes.max_bookings !== undefined && changes.max_bookings < slot.current_bookings) {
        throw conflict(`The slot already has ${slot.current_bookings} booking(s)`, { current_bookings: slot.current_bookings }, 'below_current_bookings');
      }
      return (await repo.updateSlot(tx, id, changes))!;
    });
  }

  async remove(caller: Caller, id: string): Promise<void> {
    await this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'admin');
      // A slot with bookings: the database refuses (slot_not_empty, 409).
      if (!(await repo.deleteSlot(tx, id))) throw notFound('Slot');
    });
  }

  /**
   * Public: bookable slots between two local dates (inclusive), honouring the minimum notice: the
   * response body as JSON text, built by the database.
   */
  /** Staff (operators and up): every slot of a range of local dates with its bookings, as JSON text. */
  async staffSlots(caller: Caller, from: string, to?: string): Promise<string> {
    return repo.staffSlotsJson(this.db, caller, from, availabilityEnd(from, to));
  }

  async availability(caller: Caller, from: string, to?: string): Promise<string> {
    return repo.openSlotsJson(this.db, caller, from, availabilityEnd(from, to));
  }
}

/** The last day asked for (`to`, or from + 6 days), after checking the range. */
function availabilityEnd(from: string, to?: string): string {
  // `from` is checked before anything computes with it (addDays throws on impossible dates).
  if (!isRealDate(from)) throw validationFailed('from is not a real date', { field: 'from' });
  if (to !== undefined && !isRealDate(to)) throw validationFailed('to is not a real date', { field: 'to' });
  const last = to ?? addDays(from, 6);
  const days = daysBetween(from, last);
  if (days < 0) throw validationFailed('to must not be before from', { field: 'to' });
  if (days >= MAX_AVAILABILITY_DAYS) throw validationFailed(`At most ${MAX_AVAILABILITY_DAYS} days at a time`, { field: 'to', max_days: MAX_AVAILABILITY_DAYS });
  return last;
}
