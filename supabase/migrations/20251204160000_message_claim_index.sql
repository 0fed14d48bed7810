-- The worker claims due messages `order by send_after, id limit n`: with many rows due at the same
-- moment (a burst of reminders), an index on send_after alone makes every claim sort all due rows
-- by id. An index on both serves the claim in order. Same partial predicate as before.
create index idx_messages_due_in_order on public.messages (send_after, id) where status in ('pending', 'sending');
drop index public.idx_messages_due;
