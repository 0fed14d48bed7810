-- An invitee is credited at most once, ever: the record of who was rewarded must outlive the
-- referral rows (they go when the referrer's account is deleted) and the invitee's own account.
create table app_private.rewarded_invitees (
  invitee_email text primary key,
  referral_id uuid,
  rewarded_at timestamptz not null default now()
);
alter table app_private.rewarded_invitees enable row level security;
revoke all on table app_private.rewarded_invitees from public, anon, authenticated;
grant select, insert on table app_private.rewarded_invitees to service_role;

insert into app_private.rewarded_invitees (invitee_email, referral_id)
select distinct on (lower(r.invitee_email)) lower(r.invitee_email), r.id
from public.referrals r
where r.status = 'accepted'
order by lower(r.invitee_email), r.created_at
on conflict do nothing;

-- The reward itself claims the invitee's email first: a second reward for the same email fails
-- with a unique violation (accept_referral turns that into "nothing due").
create or replace function public.award_referral_credits()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status = 'accepted' and (tg_op = 'INSERT' or old.status <> 'accepted') then
    if new.invitee_id is null then
      raise exception using
        errcode = 'RM422',
        message = 'referral_without_invitee',
        detail = 'A referral can only be accepted for a signed-up invitee';
    end if;
    insert into app_private.rewarded_invitees (invitee_email, referral_id) values (lower(new.invitee_email), new.id);
    if new.reward_credits > 0 then
      insert into public.credit_transactions (user_id, amount, type, description, reference_id)
      values
        (new.referrer_id, new.reward_credits, 'earned', 'Referral reward', new.id),
        (new.invitee_id, new.reward_credits, 'earned', 'Referral signup reward', new.id);
    end if;
  end if;
  return new;
end;
$$;

revoke execute on function public.generate_referral_code() from public, anon, authenticated;
