-- Counts for the login and registration throttle (throttle.py). They live in
-- the service's own database so every replica and every restart sees the same
-- numbers; rows older than their window are purged regularly.

-- One row per failed login: a wrong password or an unknown username, counted
-- as submitted so the throttle behaves the same whether the account exists.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    failed_at INTEGER NOT NULL
) STRICT;

CREATE INDEX login_failures_username ON login_failures (username, failed_at);
CREATE INDEX login_failures_address ON login_failures (address, failed_at);
CREATE INDEX login_failures_failed_at ON login_failures (failed_at);

-- Where each account last logged in successfully: such an address is exempt
-- from the per-account limit, so failures spread over other addresses cannot
-- lock the owner out from there.
CREATE TABLE known_logins (
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    last_success_at INTEGER NOT NULL,
    PRIMARY KEY (username, address)
) STRICT;

CREATE INDEX known_logins_last_success_at ON known_logins (last_success_at);

-- One row per registration attempt that reached the database, taken name or new.
CREATE TABLE registration_attempts (
    address TEXT NOT NULL,
    attempted_at INTEGER NOT NULL
) STRICT;

CREATE INDEX registration_attempts_address ON registration_attempts (address, attempted_at);
CREATE INDEX registration_attempts_attempted_at ON registration_attempts (attempted_at);
