-- What was decided about each processor version: promoted (its
-- recomputations may replace what older versions published), held (a
-- canary is awaited; older versions' partitions stay as they are) or
-- rolled back. A version with no row is held.

-- +goose Up
CREATE TABLE processor_releases (
    processor  TEXT        NOT NULL,
    version    TEXT        NOT NULL,
    state      TEXT        NOT NULL,
    reason     TEXT        NOT NULL DEFAULT '',
    decided_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (processor, version)
);

-- +goose Down
DROP TABLE processor_releases;
