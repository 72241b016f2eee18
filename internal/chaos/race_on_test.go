//go:build race

package chaos

// raceEnabled: under the race detector a scenario takes twenty times as
// long, so the tests run fewer seeds (CI runs the full set without it).
const raceEnabled = true
