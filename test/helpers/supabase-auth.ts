// Supabase Auth as production has it: its tables (the state its own migrations, supabase/auth
// migrations/, leave them in) and the way it writes a sign-up. Written from those migrations and
// its User/Identity models; used to prepare a Supabase-like database and to sign users up the way
// Supabase Auth does.
import type { Queryable } from '../../src/db/index.js';

/** auth.users and auth.identities as Supabase Auth creates them (run as its admin role). */
export const supabaseAuthTables = `
create table auth.users (
  instance_id uuid,
  id uuid not null constraint users_pkey primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text default null unique,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0 check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
create unique index users_email_partial_key on auth.users (email) where (is_sso_user = false);
alter table auth.users enable row level security;

create table auth.identities (
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  id uuid not null default gen_random_uuid() primary key,
  constraint identities_provider_id_provider_unique unique (provider_id, provider)
);
alter table auth.identities enable row level security;
`;

/**
 * The columns of auth.users that Supabase Auth scans into non-nullable Go fields (string, bool,
 * int, time, uuid): a null in any of them makes it fail to load the user.
 */
export const authUserNonNullColumns = [
  'instance_id',
  'aud',
  'role',
  'confirmation_token',
  'recovery_token',
  'email_change_token_current',
  'email_change_token_new',
  'email_change',
  'email_change_confirm_status',
  'phone_change_token',
  'phone_change',
  'reauthentication_token',
  'is_sso_user',
  'is_anonymous',
  'created_at',
  'updated_at',
] as const;

export interface AuthSignUp {
  email?: string;
  phone?: string;
  anonymous?: boolean;
  meta?: Record<string, unknown>;
}

/**
 * Signs a user up as Supabase Auth does: one insert into auth.users naming every column it
 * knows (explicit id, empty-string tokens), then the identity. Returns the user id.
 */
export async function supabaseAuthSignUp(db: Queryable, user: AuthSignUp): Promise<string> {
  const provider = user.anonymous ? null : user.email ? 'email' : 'phone';
  const appMeta = provider ? { provider, providers: [provider] } : {};
  const { rows } = await db.query<{ id: string }>(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, phone,
       confirmation_token, recovery_token, email_change_token_new, email_change, email_change_token_current,
       email_change_confirm_status, phone_change, phone_change_token, reauthentication_token,
       raw_app_meta_data, raw_user_meta_data, is_sso_user, is_anonymous, created_at, updated_at)
     values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', $1, '', null, $2,
       '', '', '', '', '', 0, '', '', '', $3, $4, false, $5, now(), now())
     returning id`,
    [user.email ?? null, user.phone ?? null, JSON.stringify(appMeta), JSON.stringify(user.meta ?? {}), user.anonymous ?? false],
  );
  const id = rows[0]!.id;
  if (provider) {
    const data = { sub: id, ...(user.email ? { email: user.email } : { phone: user.phone }), email_verified: false, phone_verified: false };
    await db.query(
      `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
       values ($1::text, $2::uuid, $3, $4, now(), now(), now())`,
      [id, id, JSON.stringify(data), provider],
    );
  }
  return id;
}
