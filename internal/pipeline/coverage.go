package pipeline

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"slices"
)

// Coverage says, game by game, what a raw partition holds. It is computed
// from the rows when a version is published and stored with the version, so
// the completeness gate never has to read rows to decide.
type Coverage struct {
	// Games are the games (by game_id) the partition covers completely; for
	// the calendar table, every game it lists.
	Games []string `json:"games"`
	// NotFinal lists, for the calendar table only, games not yet final.
	NotFinal []string `json:"not_final,omitempty"`
}

// Encode returns the stored form of c ("" for nil).
func (c *Coverage) Encode() string {
	if c == nil {
		return ""
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// DecodeCoverage parses the stored form; "" is nil.
func DecodeCoverage(s string) (*Coverage, error) {
	if s == "" {
		return nil, nil
	}
	var c Coverage
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Has reports whether game is among c.Games (which are sorted).
func (c *Coverage) Has(game string) bool {
	if c == nil {
		return false
	}
	_, ok := slices.BinarySearch(c.Games, game)
	return ok
}

// Fingerprint identifies what a computation of a partition depends on: the
// processor's version, every input partition version read (sorted by table
// and date), and the gate's decisions (games left out as incomplete, games
// whose team totals came from the fallback source). Equal fingerprints mean
// the result would be equal, so the planner compares a published version's
// fingerprint with the one its inputs give now to tell up to date from
// stale. It runs for every task at every planning round, so it hashes
// binary fields rather than formatted text.
func Fingerprint(processorVersion string, inputs []InputVersion, missing, fallback []string) string {
	h := fnv.New128a()
	var buf [8]byte
	field := func(s string) {
		binary.LittleEndian.PutUint32(buf[:4], uint32(len(s)))
		h.Write(buf[:4])
		h.Write([]byte(s))
	}
	field(processorVersion)
	for _, in := range inputs {
		field(in.Table)
		binary.LittleEndian.PutUint32(buf[:4], uint32(in.Date))
		binary.LittleEndian.PutUint32(buf[4:], uint32(in.Version))
		h.Write(buf[:])
	}
	field("missing")
	for _, g := range missing {
		field(g)
	}
	field("fallback")
	for _, g := range fallback {
		field(g)
	}
	return hex.EncodeToString(h.Sum(nil))
}
