-- The engine's own tables. Timestamps are Unix microseconds (UTC) so that
-- lease and retry comparisons are plain integer comparisons.

-- +goose Up
CREATE TABLE partitions (
    table_name      TEXT    NOT NULL,
    game_date       TEXT    NOT NULL,
    current_version INTEGER NOT NULL,
    PRIMARY KEY (table_name, game_date)
) STRICT;

CREATE TABLE partition_versions (
    table_name        TEXT    NOT NULL,
    game_date         TEXT    NOT NULL,
    version           INTEGER NOT NULL,
    row_count         INTEGER NOT NULL,
    content_hash      TEXT    NOT NULL,
    source            TEXT    NOT NULL,
    partial           INTEGER NOT NULL DEFAULT 0,
    processor_version TEXT    NOT NULL DEFAULT '',
    build_revision    TEXT    NOT NULL DEFAULT '',
    restored_from     INTEGER,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (table_name, game_date, version)
) STRICT;

-- Version history of analytics partitions, for rollback (pruned by retention).
CREATE TABLE partition_contents (
    table_name TEXT    NOT NULL,
    game_date  TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    rows_gz    BLOB    NOT NULL,
    PRIMARY KEY (table_name, game_date, version)
) STRICT;

CREATE TABLE lineage (
    table_name    TEXT    NOT NULL,
    game_date     TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    input_table   TEXT    NOT NULL,
    input_date    TEXT    NOT NULL,
    input_version INTEGER NOT NULL,
    PRIMARY KEY (table_name, game_date, version, input_table, input_date)
) STRICT;
CREATE INDEX lineage_by_input ON lineage (input_table, input_date);

CREATE TABLE triggers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id   TEXT    NOT NULL UNIQUE,
    table_name   TEXT    NOT NULL,
    game_date    TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    record_count INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT    NOT NULL DEFAULT '',
    source       TEXT    NOT NULL,
    payload      TEXT    NOT NULL DEFAULT '{}',
    received_at  INTEGER NOT NULL,
    processed_at INTEGER
) STRICT;
CREATE INDEX triggers_unprocessed ON triggers (processed_at, id);

-- One row per (processor, date). A worker owns a task while its lease is
-- unexpired; leases, not in-process locks, keep runs exclusive across
-- processes sharing one database.
CREATE TABLE tasks (
    processor         TEXT    NOT NULL,
    game_date         TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    reason            TEXT    NOT NULL DEFAULT '',
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER,
    lease_owner       TEXT,
    lease_expires_at  INTEGER,
    last_error        TEXT    NOT NULL DEFAULT '',
    input_fingerprint TEXT    NOT NULL DEFAULT '',
    published_version INTEGER,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (processor, game_date)
) STRICT;
CREATE INDEX tasks_by_state ON tasks (state, next_attempt_at);

CREATE TABLE task_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    processor   TEXT    NOT NULL,
    game_date   TEXT    NOT NULL,
    worker      TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    state       TEXT    NOT NULL,
    error       TEXT    NOT NULL DEFAULT '',
    version     INTEGER
) STRICT;
CREATE INDEX task_runs_by_task ON task_runs (processor, game_date);

CREATE TABLE quality_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  INTEGER NOT NULL,
    table_name  TEXT    NOT NULL,
    game_date   TEXT    NOT NULL,
    check_name  TEXT    NOT NULL,
    severity    TEXT    NOT NULL,
    subject     TEXT    NOT NULL DEFAULT '',
    observed    TEXT    NOT NULL DEFAULT '',
    expected    TEXT    NOT NULL DEFAULT '',
    processor   TEXT    NOT NULL DEFAULT '',
    task_run_id INTEGER,
    version     INTEGER
) STRICT;
CREATE INDEX quality_events_by_time ON quality_events (created_at);

CREATE TABLE circuits (
    processor            TEXT    PRIMARY KEY,
    state                TEXT    NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    opened_at            INTEGER,
    updated_at           INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE circuits;
DROP TABLE quality_events;
DROP TABLE task_runs;
DROP TABLE tasks;
DROP TABLE triggers;
DROP TABLE lineage;
DROP TABLE partition_contents;
DROP TABLE partition_versions;
DROP TABLE partitions;
