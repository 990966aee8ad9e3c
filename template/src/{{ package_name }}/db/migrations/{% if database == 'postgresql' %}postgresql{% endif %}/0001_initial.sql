-- Users, their login sessions and their notes.
-- Times are Unix seconds in bigint columns on every backend, so the service's
-- queries are the same for SQLite and PostgreSQL.

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at bigint NOT NULL
);

-- Only the SHA-256 of each session token is stored: a leaked table holds no
-- usable tokens.
CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at bigint NOT NULL,
    created_at bigint NOT NULL
);

CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title text NOT NULL,
    body text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);

CREATE INDEX notes_owner_id ON notes (owner_id, id);
