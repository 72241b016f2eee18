-- Team defense rows carry their game's length, as team offense rows do:
-- team minutes (240 plus 25 per overtime) and overtime periods. Rows
-- computed before have none (NULL) until they are recomputed.

-- +goose Up
ALTER TABLE team_defense_game_summary ADD COLUMN team_minutes REAL;
ALTER TABLE team_defense_game_summary ADD COLUMN overtime_periods INTEGER;

-- +goose Down
ALTER TABLE team_defense_game_summary DROP COLUMN overtime_periods;
ALTER TABLE team_defense_game_summary DROP COLUMN team_minutes;
