import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { StaffMember } from '../../api/admin-people';
import { describeError } from '../../api/errors';
import { useMe, type StaffRole } from '../../auth/session';
import { Button, Notice, PageTitle, QueryState, SelectField, TextField } from '../../components/ui';
import { useTimezone } from '../../lib/business';
import { formatDateTime } from '../../lib/time';

const ROLES: { value: StaffRole; label: string; what: string }[] = [
  { value: 'operator', label: 'Operator', what: 'runs the day: sessions, calendar, customers' },
  { value: 'admin', label: 'Admin', what: 'also money, slots, reports, messages and settings' },
  { value: 'super_admin', label: 'Super admin', what: 'also the team' },
];
const roleLabel = (r: StaffRole) => ROLES.find((x) => x.value === r)?.label ?? r;

/** Staff and their roles (super admins): add by email, change a role, remove. */
export function TeamPage() {
  const tz = useTimezone();
  const myEmail = useMe().data?.email.toLowerCase();
  const client = useQueryClient();
  const query = useQuery({ queryKey: ['admin', 'staff'], queryFn: () => api<{ staff: StaffMember[] }>('/api/admin/staff') });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<StaffRole>('operator');
  const [notice, setNotice] = useState<string>();
  const [problem, setProblem] = useState<string>();

  const save = useMutation({
    mutationFn: (body: { email: string; role: StaffRole }) => api<{ staff: StaffMember }>('/api/admin/staff', { method: 'POST', body }),
    onSuccess: async (res) => {
      setNotice(`${res.staff.email} is now ${roleLabel(res.staff.role).toLowerCase()}.${res.staff.user_id ? '' : ' They get the role when they sign up with this email.'}`);
      setEmail('');
      await client.invalidateQueries({ queryKey: ['admin', 'staff'] });
    },
    onError: (err) => setProblem(describeError(err)),
  });
  const remove = useMutation({
    mutationFn: (m: StaffMember) => api(`/api/admin/staff/${encodeURIComponent(m.email)}`, { method: 'DELETE' }),
    onSuccess: async (_r, m) => {
      setNotice(`${m.email} is no longer on the team.`);
      await client.invalidateQueries({ queryKey: ['admin', 'staff'] });
    },
    onError: (err) => setProblem(describeError(err)),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setNotice(undefined);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) return setProblem('Enter the person’s email address, e.g. sam@example.com.');
    setProblem(undefined);
    save.mutate({ email: email.trim(), role });
  };
  const change = (m: StaffMember, next: StaffRole) => {
    setNotice(undefined);
    setProblem(undefined);
    save.mutate({ email: m.email, role: next });
  };

  return (
    <section>
      <PageTitle lead="Who may use the console, and what they may do.">Team</PageTitle>
      <section className="card" aria-labelledby="add-h">
        <h2 id="add-h">Add a team member</h2>
        <form onSubmit={submit} noValidate className="people-add">
          <TextField label="Email" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} hint="They sign up (or sign in) with this email." />
          <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as StaffRole)}>
            {ROLES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}: {r.what}
              </option>
            ))}
          </SelectField>
          <Button type="submit" busy={save.isPending}>
            Add to the team
          </Button>
        </form>
      </section>
      {problem && (
        <div className="alert alert-error" role="alert">
          <p>{problem}</p>
        </div>
      )}
      {notice && <Notice tone="success">{notice}</Notice>}
      <QueryState query={query}>
        {(data) => (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Team members</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Added</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.staff.map((m) => (
                  <tr key={m.email}>
                    <td className="break">
                      {m.email}
                      {m.email === myEmail ? <span className="muted"> (you)</span> : null}
                    </td>
                    <td>
                      <RoleSelect email={m.email} value={m.role} disabled={save.isPending} onChange={(next) => change(m, next)} />
                    </td>
                    <td>
                      {formatDateTime(m.created_at, tz)}
                      {m.user_id ? null : <span className="muted"> (not signed up yet)</span>}
                    </td>
                    <td>
                      <Button variant="danger" busy={remove.isPending && remove.variables?.email === m.email} onClick={() => {
                        setNotice(undefined);
                        setProblem(undefined);
                        remove.mutate(m);
                      }} aria-label={`Remove ${m.email}`}>
                        Remove
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </section>
  );
}

/** A member's role, changed in place: the visible label "Role" (the email read to screen readers too). */
function RoleSelect({ email, value, disabled, onChange }: { email: string; value: StaffRole; disabled: boolean; onChange: (r: StaffRole) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>
        Role<span className="visually-hidden"> of {email}</span>
      </label>
      <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as StaffRole)}>
        {ROLES.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
      </select>
    </div>
  );
}
