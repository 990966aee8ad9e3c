-- Sessions gain a scope ('write' may do everything, 'read' only reads) and an
-- increasing id that orders them, so the per-user cap revokes the oldest even
-- among sessions created in the same second. SQLite cannot add such columns in
-- place, so the table is rebuilt; existing sessions keep their full scope.

CREATE TABLE sessions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

INSERT INTO sessions_new (token_hash, user_id, scope, expires_at, created_at)
SELECT token_hash, user_id, 'write', expires_at, created_at FROM sessions ORDER BY created_at;

DROP TABLE sessions;

ALTER TABLE sessions_new RENAME TO sessions;

CREATE INDEX sessions_user_id ON sessions (user_id, id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
