//go:build race

package engine_test

// raceEnabled lets the whole-season test step aside under the race
// detector, where it takes minutes; the demo test in cmd/statgate runs the
// same season through the engine with the detector on.
const raceEnabled = true
