-- Backfills requested over the API, so that a restarted service resumes
-- them.

-- +goose Up
CREATE TABLE backfills (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_date   DATE        NOT NULL,
    to_date     DATE        NOT NULL,
    processors  TEXT        NOT NULL DEFAULT '',
    mode        TEXT        NOT NULL,
    state       TEXT        NOT NULL,
    error       TEXT        NOT NULL DEFAULT '',
    counts      JSONB       NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX backfills_by_state ON backfills (state);

-- +goose Down
DROP TABLE backfills;
