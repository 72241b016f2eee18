-- Generated from the table declarations in internal/nba by
-- `go test ./internal/sqlite -run TestDataTablesMigration -update`. Do not edit.

-- +goose Up
CREATE TABLE nbac_schedule (
    game_id TEXT NOT NULL,
    nba_game_id TEXT NOT NULL,
    game_date TEXT NOT NULL,
    season_year INTEGER NOT NULL,
    game_type TEXT NOT NULL,
    home_team_abbr TEXT NOT NULL,
    away_team_abbr TEXT NOT NULL,
    game_status INTEGER NOT NULL,
    game_status_text TEXT,
    home_score INTEGER,
    away_score INTEGER,
    PRIMARY KEY (game_date, game_id)
) STRICT;

CREATE TABLE nbac_gamebook_player_stats (
    game_id TEXT NOT NULL,
    game_date TEXT NOT NULL,
    season_year INTEGER NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    player_id TEXT NOT NULL,
    player_lookup TEXT NOT NULL,
    player_name TEXT NOT NULL,
    player_status TEXT NOT NULL,
    dnp_reason TEXT,
    starter INTEGER NOT NULL,
    minutes TEXT,
    points INTEGER,
    field_goals_made INTEGER,
    field_goals_attempted INTEGER,
    three_pointers_made INTEGER,
    three_pointers_attempted INTEGER,
    free_throws_made INTEGER,
    free_throws_attempted INTEGER,
    offensive_rebounds INTEGER,
    defensive_rebounds INTEGER,
    total_rebounds INTEGER,
    assists INTEGER,
    steals INTEGER,
    blocks INTEGER,
    turnovers INTEGER,
    personal_fouls INTEGER,
    plus_minus INTEGER,
    PRIMARY KEY (game_date, game_id, player_lookup)
) STRICT;

CREATE TABLE nbac_team_boxscore (
    game_id TEXT NOT NULL,
    game_date TEXT NOT NULL,
    season_year INTEGER NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    is_home INTEGER NOT NULL,
    minutes TEXT NOT NULL,
    fg_made INTEGER NOT NULL,
    fg_attempted INTEGER NOT NULL,
    three_pt_made INTEGER NOT NULL,
    three_pt_attempted INTEGER NOT NULL,
    ft_made INTEGER NOT NULL,
    ft_attempted INTEGER NOT NULL,
    offensive_rebounds INTEGER NOT NULL,
    defensive_rebounds INTEGER NOT NULL,
    total_rebounds INTEGER NOT NULL,
    assists INTEGER NOT NULL,
    steals INTEGER NOT NULL,
    blocks INTEGER NOT NULL,
    turnovers INTEGER NOT NULL,
    personal_fouls INTEGER NOT NULL,
    points INTEGER NOT NULL,
    PRIMARY KEY (game_date, game_id, team_abbr)
) STRICT;

CREATE TABLE odds_api_player_points_props (
    game_id TEXT NOT NULL,
    game_date TEXT NOT NULL,
    player_lookup TEXT NOT NULL,
    bookmaker TEXT NOT NULL,
    points_line REAL NOT NULL,
    captured_at TEXT NOT NULL,
    PRIMARY KEY (game_date, player_lookup, bookmaker)
) STRICT;

CREATE TABLE team_offense_game_summary (
    game_id TEXT NOT NULL,
    game_date TEXT NOT NULL,
    season_year INTEGER NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    home_game INTEGER NOT NULL,
    win_flag INTEGER NOT NULL,
    points_scored INTEGER NOT NULL,
    opponent_points INTEGER NOT NULL,
    margin_of_victory INTEGER NOT NULL,
    fg_makes INTEGER NOT NULL,
    fg_attempts INTEGER NOT NULL,
    three_pt_makes INTEGER NOT NULL,
    three_pt_attempts INTEGER NOT NULL,
    ft_makes INTEGER NOT NULL,
    ft_attempts INTEGER NOT NULL,
    offensive_rebounds INTEGER NOT NULL,
    defensive_rebounds INTEGER NOT NULL,
    total_rebounds INTEGER NOT NULL,
    assists INTEGER NOT NULL,
    steals INTEGER NOT NULL,
    blocks INTEGER NOT NULL,
    turnovers INTEGER NOT NULL,
    personal_fouls INTEGER NOT NULL,
    team_minutes REAL NOT NULL,
    overtime_periods INTEGER NOT NULL,
    possessions REAL NOT NULL,
    pace REAL NOT NULL,
    offensive_rating REAL NOT NULL,
    ts_pct REAL,
    efg_pct REAL,
    data_source TEXT NOT NULL,
    PRIMARY KEY (game_date, game_id, team_abbr)
) STRICT;

CREATE TABLE team_defense_game_summary (
    game_id TEXT NOT NULL,
    game_date TEXT NOT NULL,
    season_year INTEGER NOT NULL,
    defending_team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    home_game INTEGER NOT NULL,
    win_flag INTEGER NOT NULL,
    points_allowed INTEGER NOT NULL,
    opp_fg_makes INTEGER NOT NULL,
    opp_fg_attempts INTEGER NOT NULL,
    opp_three_pt_makes INTEGER NOT NULL,
    opp_three_pt_attempts INTEGER NOT NULL,
    opp_ft_makes INTEGER NOT NULL,
    opp_ft_attempts INTEGER NOT NULL,
    opp_offensive_rebounds INTEGER NOT NULL,
    defensive_rebounds INTEGER NOT NULL,
    turnovers_forced INTEGER NOT NULL,
    steals INTEGER NOT NULL,
    blocks INTEGER NOT NULL,
    possessions REAL NOT NULL,
    defensive_rating REAL NOT NULL,
    opponent_pace REAL NOT NULL,
    opponent_ts_pct REAL,
    opponent_efg_pct REAL,
    data_source TEXT NOT NULL,
    PRIMARY KEY (game_date, game_id, defending_team_abbr)
) STRICT;

CREATE TABLE player_game_summary (
    game_id TEXT NOT NULL,
    game_date TEXT NOT NULL,
    season_year INTEGER NOT NULL,
    player_id TEXT NOT NULL,
    player_lookup TEXT NOT NULL,
    player_name TEXT NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    player_status TEXT NOT NULL,
    is_dnp INTEGER NOT NULL,
    starter INTEGER NOT NULL,
    minutes_played REAL,
    points INTEGER,
    fg_makes INTEGER,
    fg_attempts INTEGER,
    three_pt_makes INTEGER,
    three_pt_attempts INTEGER,
    ft_makes INTEGER,
    ft_attempts INTEGER,
    offensive_rebounds INTEGER,
    defensive_rebounds INTEGER,
    total_rebounds INTEGER,
    assists INTEGER,
    steals INTEGER,
    blocks INTEGER,
    turnovers INTEGER,
    personal_fouls INTEGER,
    plus_minus INTEGER,
    ts_pct REAL,
    efg_pct REAL,
    usage_rate REAL,
    win_flag INTEGER NOT NULL,
    points_line REAL,
    over_under_result TEXT,
    points_margin REAL,
    team_possessions REAL,
    PRIMARY KEY (game_date, game_id, player_lookup)
) STRICT;

CREATE TABLE upcoming_team_game_context (
    game_id TEXT NOT NULL,
    game_date TEXT NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    home_game INTEGER NOT NULL,
    days_rest INTEGER,
    back_to_back INTEGER NOT NULL,
    games_last_7_days INTEGER NOT NULL,
    last10_games INTEGER NOT NULL,
    last10_wins INTEGER NOT NULL,
    avg_pace_last10 REAL,
    avg_offensive_rating_last10 REAL,
    avg_defensive_rating_last10 REAL,
    PRIMARY KEY (game_date, game_id, team_abbr)
) STRICT;

CREATE TABLE upcoming_player_game_context (
    game_id TEXT NOT NULL,
    game_date TEXT NOT NULL,
    player_lookup TEXT NOT NULL,
    player_name TEXT NOT NULL,
    team_abbr TEXT NOT NULL,
    opponent_team_abbr TEXT NOT NULL,
    home_game INTEGER NOT NULL,
    days_rest INTEGER,
    games_last_7_days INTEGER NOT NULL,
    avg_points_last5 REAL,
    avg_points_last10 REAL,
    avg_minutes_last5 REAL,
    avg_usage_rate_last5 REAL,
    avg_ts_pct_last10 REAL,
    team_days_rest INTEGER,
    points_line REAL,
    PRIMARY KEY (game_date, game_id, player_lookup)
) STRICT;

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
