-- Hardening (issue 13): accounts that can be disabled, emails compared without regard to
-- case, indexes for session clean-up, and a KPI's own range for its values.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
-- Emails are stored in lower case; two accounts that differ only by case stop this
-- migration (a UNIQUE failure naming users.email): merge them first.
UPDATE users SET email = lower(trim(email));
CREATE UNIQUE INDEX users_email_ci ON users (lower(email));
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
-- A KPI's values must lie in [min_value, max_value] when set; a percentage defaults to
-- 0 to 100.
ALTER TABLE kpis ADD COLUMN min_value DOUBLE PRECISION;
ALTER TABLE kpis ADD COLUMN max_value DOUBLE PRECISION;
