-- Backfills requested over the API, so that a restarted service resumes
-- them.

-- +goose Up
CREATE TABLE backfills (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    from_date   TEXT    NOT NULL,
    to_date     TEXT    NOT NULL,
    processors  TEXT    NOT NULL DEFAULT '',
    mode        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    error       TEXT    NOT NULL DEFAULT '',
    counts      TEXT    NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX backfills_by_state ON backfills (state);

-- +goose Down
DROP TABLE backfills;
