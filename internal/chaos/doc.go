// Package chaos is statgate's fault-injection suite. A scenario takes a
// few weeks of the real season and delivers them as Phase 2 and operators
// really do — in some order, twice, late, half-written, corrected, with a
// game that never arrives, games still live, a game moved — to several
// engine instances sharing one database, while seeded wrappers around the
// store and the processors inject errors, latency, failures after commit,
// panics and slow runs, and instances are killed and restarted. Time is a
// Clock the scenario moves, so that deadlines, fallbacks, retries and
// leases play out in seconds.
//
// At the end every invariant is checked:
//
//  1. each partition's content and partial flag equal a fault-free run's;
//  2. versions never regress: each reads inputs at least as new as its
//     predecessor's;
//  3. no (table, date, input fingerprint) is published twice;
//  4. no version read an analytics input that was stale when it was
//     published;
//  5. every task settles; none is left running, no run left open;
//  6. runs per task are bounded by the input changes it saw (no storm);
//  7. status, explain and the HTTP API agree on every task;
//  8. with valid data, no task is ever rejected, failed or blocked.
//
// A violation names the seed and the scenario, and carries its trace.
package chaos
