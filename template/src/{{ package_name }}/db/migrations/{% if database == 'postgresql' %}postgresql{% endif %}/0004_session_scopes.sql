-- Sessions gain a scope ('write' may do everything, 'read' only reads) and an
-- increasing id that orders them, so the per-user cap revokes the oldest even
-- among sessions created in the same second. Existing sessions keep their full
-- scope; new ones always name theirs. The app role's table grants from
-- 0002_app_role.sql cover the new columns.

ALTER TABLE sessions ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY UNIQUE;
ALTER TABLE sessions ADD COLUMN scope text NOT NULL DEFAULT 'write'
    CHECK (scope IN ('read', 'write'));
ALTER TABLE sessions ALTER COLUMN scope DROP DEFAULT;

DROP INDEX sessions_user_id;
CREATE INDEX sessions_user_id ON sessions (user_id, id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
