-- Engines re-read the task records other processes wrote since their last
-- look (on every wake-up), not all of them.

-- +goose Up
CREATE INDEX tasks_by_update ON tasks (updated_at);

-- +goose Down
DROP INDEX tasks_by_update;
