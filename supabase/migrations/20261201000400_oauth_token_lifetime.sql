-- When the stored provider token was obtained. With `token_expires_at` it gives the
-- token's lifetime, so the early-refresh margin can be a fraction of it: a fixed margin
-- longer than the lifetime would refresh on every call. Null for tokens stored before
-- this column existed; those keep the fixed margin until their next refresh.
alter table public.connector_credentials add column token_issued_at timestamptz;
