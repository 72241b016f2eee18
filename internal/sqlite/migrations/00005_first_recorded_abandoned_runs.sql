-- When each partition was first recorded: a date's completeness deadline
-- counts from its schedule partition's (history loaded late waits for its
-- box scores). Existing partitions take their first version's time.
-- A replacement sequence counts publications that replaced a version; each
-- partition records the sequence at which it was last known fresh, so
-- that a computation need only follow the lineage of inputs that may have
-- gone stale since (none, in a backfill of first versions). It starts at
-- 1: partitions made before it are checked the long way once.
-- A task's reason code (why it waits: a retry, a missing announcement)
-- is kept beside its reason text. Runs still open are found by an index
-- of their own, so that runs of processes that died can be marked
-- abandoned cheaply.

-- +goose Up
ALTER TABLE partitions ADD COLUMN first_recorded_at INTEGER;
UPDATE partitions SET first_recorded_at = (SELECT MIN(pv.created_at) FROM partition_versions pv
    WHERE pv.table_name = partitions.table_name AND pv.game_date = partitions.game_date);
ALTER TABLE tasks ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
ALTER TABLE partitions ADD COLUMN verified_seq INTEGER NOT NULL DEFAULT 0;
CREATE TABLE replacements (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL) STRICT;
INSERT INTO replacements (id, seq) VALUES (1, 1);
CREATE INDEX task_runs_open ON task_runs (processor, game_date) WHERE finished_at IS NULL;

-- +goose Down
DROP INDEX task_runs_open;
DROP TABLE replacements;
ALTER TABLE partitions DROP COLUMN verified_seq;
ALTER TABLE tasks DROP COLUMN reason_code;
ALTER TABLE partitions DROP COLUMN first_recorded_at;
