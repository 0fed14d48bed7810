import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import { fieldErrors, type ProfilePatch } from '../../api/account';
import { describeError } from '../../api/errors';
import { RequireSignIn } from '../../auth/RequireSignIn';
import { useMe, type Me } from '../../auth/session';
import { Button, ErrorMessage, Notice, PageTitle, QueryState, TextField } from '../../components/ui';

export function ProfilePage() {
  return (
    <RequireSignIn>
      <PageTitle lead="Where we bring the equipment and how we reach you.">Profile</PageTitle>
      <ProfileLoader />
    </RequireSignIn>
  );
}

function ProfileLoader() {
  const me = useMe();
  return <QueryState query={me}>{(data) => <ProfileForm me={data} />}</QueryState>;
}

type Fields = { full_name: string; phone: string; street: string; city: string; state: string; zip: string };
type Errors = Partial<Record<keyof Fields, string>>;

const sentences: Record<keyof Fields, string> = {
  full_name: 'Please enter your name (up to 200 characters).',
  phone: describeError(new ApiError(422, 'invalid_phone', '')),
  street: 'Please enter the street and house number.',
  city: 'Please enter the city.',
  state: 'Please enter the two-letter state, e.g. CA.',
  zip: 'Please enter a 5-digit zip code, e.g. 90210.',
};

/** The fields named in the API's validation details (phone, address.zip, full_name…). */
function errorsFromApi(error: unknown): Errors {
  if (!(error instanceof ApiError)) return {};
  if (error.code === 'invalid_phone') return { phone: sentences.phone };
  if (error.code === 'invalid_address') return { street: describeError(error) };
  const out: Errors = {};
  for (const field of Object.keys(fieldErrors(error.details))) {
    const key = field.replace(/^address\.?/, '') || 'street';
    if (key in sentences) out[key as keyof Fields] = sentences[key as keyof Fields];
  }
  return out;
}

/** What we can tell before asking the API: a phone needs at least 10 digits; an address all its parts. */
function check(f: Fields): Errors {
  const out: Errors = {};
  const digits = f.phone.replace(/\D/g, '');
  if (f.phone.trim() && (digits.length < 10 || digits.length > 15 || !/^[+0-9 ()./-]+$/.test(f.phone.trim()))) out.phone = sentences.phone;
  const parts = [f.street, f.city, f.state, f.zip].map((v) => v.trim());
  if (parts.some(Boolean)) {
    if (!parts[0]) out.street = sentences.street;
    if (!parts[1]) out.city = sentences.city;
    if (!/^[A-Za-z]{2}$/.test(parts[2]!)) out.state = sentences.state;
    if (!/^[0-9]{5}(-[0-9]{4})?$/.test(parts[3]!)) out.zip = sentences.zip;
  }
  return out;
}

function ProfileForm({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const [f, setF] = useState<Fields>({
    full_name: me.full_name ?? '',
    phone: me.phone ?? '',
    street: me.address?.street ?? '',
    city: me.address?.city ?? '',
    state: me.address?.state ?? '',
    zip: me.address?.zip ?? '',
  });
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (patch: ProfilePatch) => api<Me>('/api/me', { method: 'PATCH', body: patch }),
    onSuccess: () => {
      setSaved(true);
      void queryClient.invalidateQueries({ queryKey: ['me'] });
    },
    onError: (error) => setErrors(errorsFromApi(error)),
  });
  const set = (key: keyof Fields) => (e: { target: { value: string } }) => {
    setF((prev) => ({ ...prev, [key]: e.target.value }));
    setSaved(false);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const found = check(f);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const street = f.street.trim();
    save.mutate({
      full_name: f.full_name.trim() || null,
      phone: f.phone.trim() || null,
      address: street ? { street, city: f.city.trim(), state: f.state.trim().toUpperCase(), zip: f.zip.trim() } : null,
    });
  };
  const apiErrorShownByField = save.error instanceof ApiError && Object.keys(errorsFromApi(save.error)).length > 0;

  return (
    <form onSubmit={submit} noValidate className="profile-form">
      <p className="muted">Signed in as {me.email}</p>
      <TextField label="Full name" autoComplete="name" value={f.full_name} onChange={set('full_name')} error={errors.full_name} maxLength={200} />
      <TextField label="Phone" type="tel" autoComplete="tel" value={f.phone} onChange={set('phone')} error={errors.phone} hint="For texts about your session, if you turn them on." />
      <fieldset>
        <legend>Address</legend>
        <p className="field-hint">Where we set up the equipment. You can change it for each booking.</p>
        <TextField label="Street" autoComplete="street-address" value={f.street} onChange={set('street')} error={errors.street} />
        <div className="profile-address-row">
          <TextField label="City" autoComplete="address-level2" value={f.city} onChange={set('city')} error={errors.city} />
          <TextField label="State" autoComplete="address-level1" value={f.state} onChange={set('state')} error={errors.state} maxLength={2} />
          <TextField label="Zip code" autoComplete="postal-code" inputMode="numeric" value={f.zip} onChange={set('zip')} error={errors.zip} />
        </div>
      </fieldset>
      {Object.keys(errors).length > 0 && (
        <p className="field-error" role="alert">
          Please fix the highlighted fields.
        </p>
      )}
      {save.error && !apiErrorShownByField ? <ErrorMessage error={save.error} onRetry={() => submit({ preventDefault() {} } as FormEvent)} /> : null}
      {saved && <Notice tone="success">Your profile is saved.</Notice>}
      <Button type="submit" busy={save.isPending}>
        Save profile
      </Button>
    </form>
  );
}
