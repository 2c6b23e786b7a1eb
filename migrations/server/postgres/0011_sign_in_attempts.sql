-- A sign-in attempt is counted while it runs (so that parallel guesses see each other) under
-- an id of its own, and forgotten when it succeeds or is turned away: what stays is failures.
ALTER TABLE login_failures ADD COLUMN attempt TEXT;
CREATE INDEX login_failures_attempt ON login_failures(attempt);
