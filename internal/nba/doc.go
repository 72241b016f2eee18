// Package nba owns the NBA tables: the raw table schemas of SPEC §3, the
// analytics table schemas of SPEC §4, the processors that compute them and
// the quality checks each analytics table declares (SPEC §5).
package nba
