import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, api } from '../../api/client';
import type { AdminCatalog, AdminSettings, CatalogAddOn, CatalogService, FieldIssue } from '../../api/admin-numbers';
import { Button, Checkbox, ErrorMessage, Notice, PageTitle, QueryState, SelectField, TextField } from '../../components/ui';

/**
 * Admins' settings: the catalog (services and add-ons: prices in dollars, durations, on offer or
 * not; saving sends the whole catalog back, as PUT /api/admin/catalog replaces it) and the
 * business settings. The API's validation errors come back as sentences beside their fields.
 */
export function SettingsPage() {
  const catalog = useQuery({ queryKey: ['admin', 'catalog'], queryFn: () => api<AdminCatalog>('/api/admin/catalog') });
  const settings = useQuery({ queryKey: ['admin', 'settings'], queryFn: () => api<AdminSettings>('/api/admin/settings') });
  return (
    <section>
      <PageTitle lead="What customers can book and what it costs, and how the business runs. Changes apply to bookings made from now on.">Settings</PageTitle>
      <h2>Catalog</h2>
      <QueryState query={catalog}>{(data) => <CatalogForm initial={data} />}</QueryState>
      <h2>Business settings</h2>
      <QueryState query={settings}>{(data) => <SettingsForm initial={data} />}</QueryState>
    </section>
  );
}

// ---------- helpers ----------

/** "45" or "45.50" → 4550; undefined when it is not an amount. */
export function parseDollars(text: string): number | undefined {
  const t = text.trim().replace(/^\$/, '').replace(/,/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return undefined;
  return Math.round(Number(t) * 100);
}
const toDollars = (cents: number): string => (cents % 100 === 0 ? String(cents / 100) : (cents / 100).toFixed(2));
const DOLLARS_SENTENCE = 'Enter an amount in dollars, such as 45 or 45.50.';

function parseWhole(text: string): number | undefined {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : undefined;
}

/** The API's per-field details (400 validation_failed), keyed by dotted path. */
function issuesOf(error: unknown): Map<string, FieldIssue> {
  const out = new Map<string, FieldIssue>();
  if (!(error instanceof ApiError)) return out;
  const details = error.details;
  const list = Array.isArray(details) ? details : details && typeof details === 'object' ? [details] : [];
  for (const d of list as FieldIssue[]) if (d && typeof d.field === 'string') out.set(d.field, d);
  return out;
}

/** Whether any issue sits at `path` or under it (service_area_zips.3 is under service_area_zips). */
const hasIssue = (issues: Map<string, FieldIssue>, path: string): boolean => [...issues.keys()].some((k) => k === path || k.startsWith(`${path}.`));

// ---------- the catalog ----------

interface ServiceDraft extends Omit<CatalogService, 'price_cents'> {
  price: string;
  isNew: boolean;
}
interface AddOnDraft extends Omit<CatalogAddOn, 'price_cents'> {
  price: string;
  isNew: boolean;
}

const serviceSentences: Record<string, string> = {
  key: 'The code must start with a letter and use only lowercase letters, digits and _ (2 to 40 characters).',
  name: 'Give the service a name (up to 100 characters).',
  description: 'The description can be up to 2,000 characters.',
  duration_minutes: 'A session lasts from 5 to 600 minutes.',
  price_cents: 'The price must be between $0 and $100,000.',
  sort_order: 'The order must be a whole number from -1000 to 1000.',
};
const addOnSentences: Record<string, string> = {
  ...serviceSentences,
  name: 'Give the add-on a name (up to 100 characters).',
  max_quantity: 'The most a customer can add is 1 to 100.',
  extra_minutes: 'Extra time is 0 to 600 minutes.',
};

function CatalogForm({ initial }: { initial: AdminCatalog }) {
  const qc = useQueryClient();
  const [services, setServices] = useState<ServiceDraft[]>(() => initial.services.map((s) => ({ ...s, price: toDollars(s.price_cents), isNew: false })));
  const [addOns, setAddOns] = useState<AddOnDraft[]>(() => initial.add_ons.map((a) => ({ ...a, price: toDollars(a.price_cents), isNew: false })));
  const [local, setLocal] = useState<Map<string, string>>(new Map());
  const save = useMutation({
    mutationFn: (body: AdminCatalog) => api<AdminCatalog>('/api/admin/catalog', { method: 'PUT', body }),
    onSuccess: (data) => {
      setServices(data.services.map((s) => ({ ...s, price: toDollars(s.price_cents), isNew: false })));
      setAddOns(data.add_ons.map((a) => ({ ...a, price: toDollars(a.price_cents), isNew: false })));
      qc.setQueryData(['admin', 'catalog'], data);
      void qc.invalidateQueries({ queryKey: ['catalog'] });
    },
  });
  const issues = issuesOf(save.error);
  const errorAt = (list: 'services' | 'add_ons', i: number, field: string): string | undefined => {
    const path = `${list}.${i}.${field}`;
    if (local.has(path)) return local.get(path);
    if (hasIssue(issues, path)) return (list === 'services' ? serviceSentences : addOnSentences)[field] ?? 'Check this value.';
    return undefined;
  };

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const problems = new Map<string, string>();
    const minutes = (text: number | string, path: string) => {
      const n = typeof text === 'number' ? text : parseWhole(text);
      if (n === undefined || Number.isNaN(n)) problems.set(path, 'Enter a whole number of minutes.');
      return n ?? 0;
    };
    const body: AdminCatalog = {
      services: services.map((s, i) => {
        const price = parseDollars(s.price);
        if (price === undefined) problems.set(`services.${i}.price_cents`, DOLLARS_SENTENCE);
        const { price: _p, isNew: _n, ...rest } = s;
        return { ...rest, duration_minutes: minutes(s.duration_minutes, `services.${i}.duration_minutes`), price_cents: price ?? 0 };
      }),
      add_ons: addOns.map((a, i) => {
        const price = parseDollars(a.price);
        if (price === undefined) problems.set(`add_ons.${i}.price_cents`, DOLLARS_SENTENCE);
        const { price: _p, isNew: _n, ...rest } = a;
        return { ...rest, extra_minutes: minutes(a.extra_minutes, `add_ons.${i}.extra_minutes`), price_cents: price ?? 0 };
      }),
    };
    setLocal(problems);
    if (problems.size === 0) save.mutate(body);
  };

  const setService = (i: number, patch: Partial<ServiceDraft>) => setServices((list) => list.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const setAddOn = (i: number, patch: Partial<AddOnDraft>) => setAddOns((list) => list.map((a, j) => (j === i ? { ...a, ...patch } : a)));
  const num = (v: string) => (v === '' ? Number.NaN : Number(v));

  return (
    <form onSubmit={submit} noValidate aria-label="Catalog">
      <h3>Services</h3>
      <div className="grid settings-items">
        {services.map((s, i) => (
          <fieldset key={s.isNew ? `new-${i}` : s.key} className="card">
            <legend>{s.name || 'New service'}</legend>
            <div className="grid grid-2">
              <TextField label="Name" value={s.name} onChange={(e) => setService(i, { name: e.target.value })} error={errorAt('services', i, 'name')} />
              {s.isNew ? (
                <TextField label="Code" hint="Lowercase letters, digits and _; cannot change later." value={s.key} onChange={(e) => setService(i, { key: e.target.value })} error={errorAt('services', i, 'key')} />
              ) : (
                <p className="field">
                  <span className="field-label">Code</span> <code>{s.key}</code>
                </p>
              )}
              <TextField label="Price (dollars)" inputMode="decimal" value={s.price} onChange={(e) => setService(i, { price: e.target.value })} error={errorAt('services', i, 'price_cents')} />
              <TextField label="Duration (minutes)" type="number" min={5} max={600} value={Number.isNaN(s.duration_minutes) ? '' : s.duration_minutes} onChange={(e) => setService(i, { duration_minutes: num(e.target.value) })} error={errorAt('services', i, 'duration_minutes')} />
            </div>
            <TextField label="Description" value={s.description} onChange={(e) => setService(i, { description: e.target.value })} error={errorAt('services', i, 'description')} />
            <Checkbox label="On offer" checked={s.active} onChange={(e) => setService(i, { active: e.target.checked })} />
          </fieldset>
        ))}
      </div>
      <Button variant="secondary" onClick={() => setServices((l) => [...l, { key: '', name: '', description: '', duration_minutes: 60, price: '', active: true, sort_order: l.length, isNew: true }])}>
        Add a service
      </Button>

      <h3>Add-ons</h3>
      <div className="grid settings-items">
        {addOns.map((a, i) => (
          <fieldset key={a.isNew ? `new-${i}` : a.key} className="card">
            <legend>{a.name || 'New add-on'}</legend>
            <div className="grid grid-2">
              <TextField label="Name" value={a.name} onChange={(e) => setAddOn(i, { name: e.target.value })} error={errorAt('add_ons', i, 'name')} />
              {a.isNew ? (
                <TextField label="Code" hint="Lowercase letters, digits and _; cannot change later." value={a.key} onChange={(e) => setAddOn(i, { key: e.target.value })} error={errorAt('add_ons', i, 'key')} />
              ) : (
                <p className="field">
                  <span className="field-label">Code</span> <code>{a.key}</code>
                </p>
              )}
              <TextField label="Price (dollars)" inputMode="decimal" value={a.price} onChange={(e) => setAddOn(i, { price: e.target.value })} error={errorAt('add_ons', i, 'price_cents')} />
              <TextField label="Extra time (minutes)" type="number" min={0} max={600} value={Number.isNaN(a.extra_minutes) ? '' : a.extra_minutes} onChange={(e) => setAddOn(i, { extra_minutes: num(e.target.value) })} error={errorAt('add_ons', i, 'extra_minutes')} />
              <TextField label="Most a customer can add" type="number" min={1} max={100} value={Number.isNaN(a.max_quantity) ? '' : a.max_quantity} onChange={(e) => setAddOn(i, { max_quantity: num(e.target.value) })} error={errorAt('add_ons', i, 'max_quantity')} />
            </div>
            <Checkbox label="Priced per unit (a count)" checked={a.per_unit} onChange={(e) => setAddOn(i, { per_unit: e.target.checked })} />
            <Checkbox label="On offer" checked={a.active} onChange={(e) => setAddOn(i, { active: e.target.checked })} />
          </fieldset>
        ))}
      </div>
      <Button variant="secondary" onClick={() => setAddOns((l) => [...l, { key: '', name: '', description: '', price: '', per_unit: false, max_quantity: 1, extra_minutes: 0, active: true, sort_order: l.length, isNew: true }])}>
        Add an add-on
      </Button>

      <div className="row settings-save">
        <Button type="submit" busy={save.isPending}>
          Save catalog
        </Button>
      </div>
      {local.size > 0 && (
        <div className="alert alert-error" role="alert">
          <p>Some of the catalog is not quite right. Check the fields marked above.</p>
        </div>
      )}
      {save.error !== null && <ErrorMessage error={save.error} onRetry={() => submit()} />}
      {save.isSuccess && <Notice tone="success">Catalog saved.</Notice>}
    </form>
  );
}

// ---------- business settings ----------

type SettingsDraft = Record<
  | 'timezone'
  | 'min_notice_minutes'
  | 'cancellation_window_minutes'
  | 'service_area_zips'
  | 'setup_fee'
  | 'referral_reward_credits'
  | 'order_expiry_minutes'
  | 'reminder_offsets_minutes'
  | 'review_request_delay_minutes'
  | 'google_review_url'
  | 'business_name'
  | 'business_phone'
  | 'business_address'
  | 'cancellation_refund_to'
  | 'referral_reward_on',
  string
>;

/** The sentence for each setting when the API refuses it (400 with the field, or a 422 code). */
const settingSentences: Record<string, string> = {
  timezone: 'Enter a time zone name such as America/Los_Angeles or America/New_York.',
  min_notice_minutes: 'Minimum notice is a whole number of minutes from 0 to 43,200 (30 days).',
  cancellation_window_minutes: 'The cancellation window is a whole number of minutes from 0 to 43,200 (30 days).',
  service_area_zips: 'Each zip code must be 5 digits, separated by commas or spaces.',
  setup_fee_cents: 'The setup fee must be an amount between $0 and $100,000.',
  referral_reward_credits: 'The referral reward is a whole number of credits from 0 to 10,000.',
  order_expiry_minutes: 'Payment time is a whole number of minutes from 1 to 10,080 (a week).',
  reminder_offsets_minutes: 'Reminders are up to 10 different whole numbers of minutes (1 to 10,080), separated by commas.',
  review_request_delay_minutes: 'The review request delay is a whole number of minutes from 0 to 10,080 (a week).',
  google_review_url: 'The Google review link must be a full https:// address, or empty for none.',
  business_name: 'The business name is one line of up to 100 characters.',
  business_phone: 'Enter the phone number with its area code, e.g. (310) 555-0100, or leave it empty.',
  business_address: 'The address is one line of up to 300 characters, or empty.',
};
const codeField: Record<string, string> = {
  invalid_timezone: 'timezone',
  slot_overlaps: 'timezone',
  invalid_phone: 'business_phone',
  invalid_business_name: 'business_name',
};
const overlapSentence = 'Changing the time zone would make two slots overlap. Close one of them first.';

function draftOf(s: AdminSettings): SettingsDraft {
  return {
    timezone: s.timezone,
    min_notice_minutes: String(s.min_notice_minutes),
    cancellation_window_minutes: String(s.cancellation_window_minutes),
    service_area_zips: s.service_area_zips.join(', '),
    setup_fee: toDollars(s.setup_fee_cents),
    referral_reward_credits: String(s.referral_reward_credits),
    order_expiry_minutes: String(s.order_expiry_minutes),
    reminder_offsets_minutes: s.reminder_offsets_minutes.join(', '),
    review_request_delay_minutes: String(s.review_request_delay_minutes),
    google_review_url: s.google_review_url ?? '',
    business_name: s.business_name,
    business_phone: s.business_phone ?? '',
    business_address: s.business_address ?? '',
    cancellation_refund_to: s.cancellation_refund_to,
    referral_reward_on: s.referral_reward_on,
  };
}

const list = (text: string): string[] => text.split(/[\s,;]+/).filter(Boolean);
/** A whole number, or the text itself (the API then names the field). */
const wholeOr = (text: string): number | string => parseWhole(text) ?? text;

function SettingsForm({ initial }: { initial: AdminSettings }) {
  const qc = useQueryClient();
  const [draft, setDraft] = useState<SettingsDraft>(() => draftOf(initial));
  const [local, setLocal] = useState<Map<string, string>>(new Map());
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<AdminSettings>('/api/admin/settings', { method: 'PUT', body }),
    onSuccess: (data) => {
      setDraft(draftOf(data));
      qc.setQueryData(['admin', 'settings'], data);
      void qc.invalidateQueries({ queryKey: ['business'] });
    },
  });
  const issues = issuesOf(save.error);
  const code = save.error instanceof ApiError ? save.error.code : undefined;
  const errorFor = (field: string): string | undefined => {
    if (local.has(field)) return local.get(field);
    if (hasIssue(issues, field)) return settingSentences[field];
    if (code && codeField[code] === field) return code === 'slot_overlaps' ? overlapSentence : settingSentences[field];
    return undefined;
  };
  const placedError = save.error !== null && (issues.size > 0 ? [...issues.keys()].some((k) => Object.keys(settingSentences).some((f) => k === f || k.startsWith(`${f}.`))) : code !== undefined && code in codeField);

  const set = (field: keyof SettingsDraft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [field]: e.target.value }));

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const problems = new Map<string, string>();
    const fee = parseDollars(draft.setup_fee);
    if (fee === undefined) problems.set('setup_fee_cents', 'The setup fee must be an amount in dollars, such as 50 or 49.99.');
    const reminders = list(draft.reminder_offsets_minutes).map(wholeOr);
    const body: Record<string, unknown> = {
      timezone: draft.timezone.trim(),
      min_notice_minutes: wholeOr(draft.min_notice_minutes),
      cancellation_window_minutes: wholeOr(draft.cancellation_window_minutes),
      service_area_zips: list(draft.service_area_zips),
      setup_fee_cents: fee,
      referral_reward_credits: wholeOr(draft.referral_reward_credits),
      order_expiry_minutes: wholeOr(draft.order_expiry_minutes),
      reminder_offsets_minutes: reminders,
      review_request_delay_minutes: wholeOr(draft.review_request_delay_minutes),
      google_review_url: draft.google_review_url.trim() || null,
      business_name: draft.business_name.trim(),
      business_phone: draft.business_phone.trim() || null,
      business_address: draft.business_address.trim() || null,
      cancellation_refund_to: draft.cancellation_refund_to,
      referral_reward_on: draft.referral_reward_on,
    };
    setLocal(problems);
    if (problems.size === 0) save.mutate(body);
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Business settings" className="card">
      <fieldset>
        <legend>The business</legend>
        <div className="grid grid-2">
          <TextField label="Business name" value={draft.business_name} onChange={set('business_name')} error={errorFor('business_name')} />
          <TextField label="Business phone" type="tel" autoComplete="off" value={draft.business_phone} onChange={set('business_phone')} error={errorFor('business_phone')} hint="Shown in every message; empty = not shown." />
        </div>
        <TextField label="Business address" value={draft.business_address} onChange={set('business_address')} error={errorFor('business_address')} hint="One line; empty = not shown." />
        <TextField label="Time zone" value={draft.timezone} onChange={set('timezone')} error={errorFor('timezone')} hint="Every date and time is in this zone, e.g. America/Los_Angeles. Slots keep their local times." />
        <TextField label="Service area zip codes" value={draft.service_area_zips} onChange={set('service_area_zips')} error={errorFor('service_area_zips')} hint="5-digit zip codes separated by commas; empty = anywhere." />
        <TextField label="Google review link" type="url" value={draft.google_review_url} onChange={set('google_review_url')} error={errorFor('google_review_url')} hint="Offered after every review; empty = none." />
      </fieldset>
      <fieldset>
        <legend>Booking rules</legend>
        <div className="grid grid-2">
          <TextField label="Minimum notice (minutes)" type="number" min={0} value={draft.min_notice_minutes} onChange={set('min_notice_minutes')} error={errorFor('min_notice_minutes')} hint="How soon before a session customers can still book it." />
          <TextField label="Cancellation window (minutes)" type="number" min={0} value={draft.cancellation_window_minutes} onChange={set('cancellation_window_minutes')} error={errorFor('cancellation_window_minutes')} hint="Customers cancel or move at least this long before." />
          <TextField label="Time to pay (minutes)" type="number" min={1} value={draft.order_expiry_minutes} onChange={set('order_expiry_minutes')} error={errorFor('order_expiry_minutes')} hint="An unpaid booking frees its place after this long." />
          <SelectField label="Customer cancellations are refunded to" value={draft.cancellation_refund_to} onChange={set('cancellation_refund_to')}>
            <option value="card">The card</option>
            <option value="credits">Credits</option>
          </SelectField>
        </div>
      </fieldset>
      <fieldset>
        <legend>Money</legend>
        <div className="grid grid-2">
          <TextField label="Setup fee (dollars)" inputMode="decimal" value={draft.setup_fee} onChange={set('setup_fee')} error={errorFor('setup_fee_cents')} hint="Added to a customer's first booking." />
          <TextField label="Referral reward (credits)" type="number" min={0} value={draft.referral_reward_credits} onChange={set('referral_reward_credits')} error={errorFor('referral_reward_credits')} hint="1 credit = $1." />
          <SelectField label="Referral reward is given" value={draft.referral_reward_on} onChange={set('referral_reward_on')}>
            <option value="first_paid_booking">At the friend's first paid booking</option>
            <option value="signup">When the friend signs up</option>
          </SelectField>
        </div>
      </fieldset>
      <fieldset>
        <legend>Messages</legend>
        <div className="grid grid-2">
          <TextField label="Reminders (minutes before)" value={draft.reminder_offsets_minutes} onChange={set('reminder_offsets_minutes')} error={errorFor('reminder_offsets_minutes')} hint="e.g. 1440, 120 (a day and two hours before); empty = none." />
          <TextField label="Review request delay (minutes)" type="number" min={0} value={draft.review_request_delay_minutes} onChange={set('review_request_delay_minutes')} error={errorFor('review_request_delay_minutes')} hint="After a session is completed." />
        </div>
      </fieldset>
      <div className="row settings-save">
        <Button type="submit" busy={save.isPending}>
          Save settings
        </Button>
      </div>
      {(local.size > 0 || placedError) && (
        <div className="alert alert-error" role="alert">
          <p>Some settings are not quite right. Check the fields marked above.</p>
        </div>
      )}
      {save.error !== null && !placedError && <ErrorMessage error={save.error} onRetry={() => submit()} />}
      {save.isSuccess && <Notice tone="success">Settings saved.</Notice>}
    </form>
  );
}
