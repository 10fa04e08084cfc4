-- Issue search finds issues by the email of their events' user
-- (user.email:), which user_key holds only when the user has no id. Rows
-- written before this leave it empty; searches fall back to user_key.
ALTER TABLE events ADD COLUMN user_email String;
