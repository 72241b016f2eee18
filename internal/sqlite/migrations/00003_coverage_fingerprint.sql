-- Per-game coverage of raw versions and the input fingerprint of computed
-- versions: the completeness gate and the staleness check read these from
-- the version listing instead of re-reading rows or lineage.

-- +goose Up
ALTER TABLE partition_versions ADD COLUMN coverage TEXT NOT NULL DEFAULT '';
ALTER TABLE partition_versions ADD COLUMN input_fingerprint TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE partition_versions DROP COLUMN input_fingerprint;
ALTER TABLE partition_versions DROP COLUMN coverage;
