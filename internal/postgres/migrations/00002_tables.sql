-- Generated from the table declarations in internal/nba by
-- `go test ./internal/postgres -run TestDataTablesMigration -update`. Do not edit.

-- +goose Up
CREATE TABLE nbac_schedule (
    game_id TEXT NOT NULL,
    nba_game_id TEXT NOT NULL,
    game_date DATE NOT NULL,
    season_year BIGINT NOT NULL,
    game_type TEXT NOT NULL,
    home_team_abbr TEXT NOT NULL,
    away_team_abbr TEXT NOT NULL,
    game_status BIGINT NOT NULL,
    game_status_text TEXT,
    home_score BIGINT,
    away_score BIGINT,
    PRIMARY KEY (game_date, game_id)
);

CREATE TABLE nbac_gamebook_player_stats (
    game_id TEXT NOT NULL,
    game_date DATE NOT NULL,
    season_year BIGINT NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    player_id TEXT NOT NULL,
    player_lookup TEXT NOT NULL,
    player_name TEXT NOT NULL,
    player_status TEXT NOT NULL,
    dnp_reason TEXT,
    starter BOOLEAN NOT NULL,
    minutes TEXT,
    points BIGINT,
    field_goals_made BIGINT,
    field_goals_attempted BIGINT,
    three_pointers_made BIGINT,
    three_pointers_attempted BIGINT,
    free_throws_made BIGINT,
    free_throws_attempted BIGINT,
    offensive_rebounds BIGINT,
    defensive_rebounds BIGINT,
    total_rebounds BIGINT,
    assists BIGINT,
    steals BIGINT,
    blocks BIGINT,
    turnovers BIGINT,
    personal_fouls BIGINT,
    plus_minus BIGINT,
    PRIMARY KEY (game_date, game_id, player_lookup)
);

CREATE TABLE nbac_team_boxscore (
    game_id TEXT NOT NULL,
    game_date DATE NOT NULL,
    season_year BIGINT NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    is_home BOOLEAN NOT NULL,
    minutes TEXT NOT NULL,
    fg_made BIGINT NOT NULL,
    fg_attempted BIGINT NOT NULL,
    three_pt_made BIGINT NOT NULL,
    three_pt_attempted BIGINT NOT NULL,
    ft_made BIGINT NOT NULL,
    ft_attempted BIGINT NOT NULL,
    offensive_rebounds BIGINT NOT NULL,
    defensive_rebounds BIGINT NOT NULL,
    total_rebounds BIGINT NOT NULL,
    assists BIGINT NOT NULL,
    steals BIGINT NOT NULL,
    blocks BIGINT NOT NULL,
    turnovers BIGINT NOT NULL,
    personal_fouls BIGINT NOT NULL,
    points BIGINT NOT NULL,
    PRIMARY KEY (game_date, game_id, team_abbr)
);

CREATE TABLE odds_api_player_points_props (
    game_id TEXT NOT NULL,
    game_date DATE NOT NULL,
    player_lookup TEXT NOT NULL,
    bookmaker TEXT NOT NULL,
    points_line DOUBLE PRECISION NOT NULL,
    captured_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (game_date, player_lookup, bookmaker)
);

CREATE TABLE team_offense_game_summary (
    game_id TEXT NOT NULL,
    game_date DATE NOT NULL,
    season_year BIGINT NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    home_game BOOLEAN NOT NULL,
    win_flag BOOLEAN NOT NULL,
    points_scored BIGINT NOT NULL,
    opponent_points BIGINT NOT NULL,
    margin_of_victory BIGINT NOT NULL,
    fg_makes BIGINT NOT NULL,
    fg_attempts BIGINT NOT NULL,
    three_pt_makes BIGINT NOT NULL,
    three_pt_attempts BIGINT NOT NULL,
    ft_makes BIGINT NOT NULL,
    ft_attempts BIGINT NOT NULL,
    offensive_rebounds BIGINT NOT NULL,
    defensive_rebounds BIGINT NOT NULL,
    total_rebounds BIGINT NOT NULL,
    assists BIGINT NOT NULL,
    steals BIGINT NOT NULL,
    blocks BIGINT NOT NULL,
    turnovers BIGINT NOT NULL,
    personal_fouls BIGINT NOT NULL,
    team_minutes DOUBLE PRECISION NOT NULL,
    overtime_periods BIGINT NOT NULL,
    possessions DOUBLE PRECISION NOT NULL,
    pace DOUBLE PRECISION NOT NULL,
    offensive_rating DOUBLE PRECISION NOT NULL,
    ts_pct DOUBLE PRECISION,
    efg_pct DOUBLE PRECISION,
    data_source TEXT NOT NULL,
    PRIMARY KEY (game_date, game_id, team_abbr)
);

CREATE TABLE team_defense_game_summary (
    game_id TEXT NOT NULL,
    game_date DATE NOT NULL,
    season_year BIGINT NOT NULL,
    defending_team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    home_game BOOLEAN NOT NULL,
    win_flag BOOLEAN NOT NULL,
    points_allowed BIGINT NOT NULL,
    opp_fg_makes BIGINT NOT NULL,
    opp_fg_attempts BIGINT NOT NULL,
    opp_three_pt_makes BIGINT NOT NULL,
    opp_three_pt_attempts BIGINT NOT NULL,
    opp_ft_makes BIGINT NOT NULL,
    opp_ft_attempts BIGINT NOT NULL,
    opp_offensive_rebounds BIGINT NOT NULL,
    defensive_rebounds BIGINT NOT NULL,
    turnovers_forced BIGINT NOT NULL,
    steals BIGINT NOT NULL,
    blocks BIGINT NOT NULL,
    possessions DOUBLE PRECISION NOT NULL,
    defensive_rating DOUBLE PRECISION NOT NULL,
    opponent_pace DOUBLE PRECISION NOT NULL,
    opponent_ts_pct DOUBLE PRECISION,
    opponent_efg_pct DOUBLE PRECISION,
    data_source TEXT NOT NULL,
    PRIMARY KEY (game_date, game_id, defending_team_abbr)
);

CREATE TABLE player_game_summary (
    game_id TEXT NOT NULL,
    game_date DATE NOT NULL,
    season_year BIGINT NOT NULL,
    player_id TEXT NOT NULL,
    player_lookup TEXT NOT NULL,
    player_name TEXT NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    player_status TEXT NOT NULL,
    is_dnp BOOLEAN NOT NULL,
    starter BOOLEAN NOT NULL,
    minutes_played DOUBLE PRECISION,
    points BIGINT,
    fg_makes BIGINT,
    fg_attempts BIGINT,
    three_pt_makes BIGINT,
    three_pt_attempts BIGINT,
    ft_makes BIGINT,
    ft_attempts BIGINT,
    offensive_rebounds BIGINT,
    defensive_rebounds BIGINT,
    total_rebounds BIGINT,
    assists BIGINT,
    steals BIGINT,
    blocks BIGINT,
    turnovers BIGINT,
    personal_fouls BIGINT,
    plus_minus BIGINT,
    ts_pct DOUBLE PRECISION,
    efg_pct DOUBLE PRECISION,
    usage_rate DOUBLE PRECISION,
    win_flag BOOLEAN NOT NULL,
    points_line DOUBLE PRECISION,
    over_under_result TEXT,
    points_margin DOUBLE PRECISION,
    team_possessions DOUBLE PRECISION,
    PRIMARY KEY (game_date, game_id, player_lookup)
);

CREATE TABLE upcoming_team_game_context (
    game_id TEXT NOT NULL,
    game_date DATE NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    home_game BOOLEAN NOT NULL,
    days_rest BIGINT,
    back_to_back BOOLEAN NOT NULL,
    games_last_7_days BIGINT NOT NULL,
    last10_games BIGINT NOT NULL,
    last10_wins BIGINT NOT NULL,
    avg_pace_last10 DOUBLE PRECISION,
    avg_offensive_rating_last10 DOUBLE PRECISION,
    avg_defensive_rating_last10 DOUBLE PRECISION,
    PRIMARY KEY (game_date, game_id, team_abbr)
);

CREATE TABLE upcoming_player_game_context (
    game_id TEXT NOT NULL,
    game_date DATE NOT NULL,
    player_lookup TEXT NOT NULL,
    player_name TEXT NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    home_game BOOLEAN NOT NULL,
    days_rest BIGINT,
    games_last_7_days BIGINT NOT NULL,
    avg_points_last5 DOUBLE PRECISION,
    avg_points_last10 DOUBLE PRECISION,
    avg_minutes_last5 DOUBLE PRECISION,
    avg_usage_rate_last5 DOUBLE PRECISION,
    avg_ts_pct_last10 DOUBLE PRECISION,
    team_days_rest BIGINT,
    points_line DOUBLE PRECISION,
    PRIMARY KEY (game_date, game_id, player_lookup)
);

-- +goose Down
DROP TABLE upcoming_player_game_context;
DROP TABLE upcoming_team_game_context;
DROP TABLE player_game_summary;
DROP TABLE team_defense_game_summary;
DROP TABLE team_offense_game_summary;
DROP TABLE odds_api_player_points_props;
DROP TABLE nbac_team_boxscore;
DROP TABLE nbac_gamebook_player_stats;
DROP TABLE nbac_schedule;
