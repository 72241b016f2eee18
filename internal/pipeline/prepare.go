package pipeline

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"time"
)

// Prepared is a publication checked and encoded, ready for a store to write.
type Prepared struct {
	Publication
	// Encoded is the canonical encoding (EncodeRows); Hash its SHA-256.
	Encoded []byte
	Hash    string
	// Coverage is the stored coverage summary ("" when the table has none).
	Coverage string
}

// Prepare validates a publication before any store writes it: every row
// must fit the table, belong to the partition's date and have a unique key.
// Stores call it so that both databases accept and reject exactly alike.
func Prepare(pub Publication) (Prepared, error) {
	t := pub.Table
	if t == nil {
		return Prepared{}, fmt.Errorf("%w: publication without a table", ErrInvalid)
	}
	if pub.Source == "" {
		return Prepared{}, fmt.Errorf("%w: publication of %s %s without a source", ErrInvalid, t.Name, pub.Date)
	}
	// One write path: analytics partitions come only from a computation
	// (the publish step) or a rollback, never from a load or announcement.
	if t.Kind == Analytics && pub.Source != SourceCompute && pub.Source != SourceRollback {
		return Prepared{}, fmt.Errorf("%w: %s is an analytics table; only its processor's publication writes it, not a %s",
			ErrInvalid, t.Name, pub.Source)
	}
	if t.Kind == Raw && (pub.Source == SourceCompute || pub.Source == SourceRollback) {
		return Prepared{}, fmt.Errorf("%w: %s is a raw table; it is loaded or announced, not computed", ErrInvalid, t.Name)
	}
	// A raw partition's date is a real game date, empty or not (SPEC §3).
	if t.Kind == Raw {
		if err := CheckGameDate(pub.Date, Today()); err != nil {
			return Prepared{}, fmt.Errorf("publish %s: %w", t.Name, &FieldError{Column: PartitionColumn, Reason: err.Error()})
		}
	}
	di := t.DateIndex()
	for i, r := range pub.Rows {
		if err := t.Validate(r); err != nil {
			return Prepared{}, fmt.Errorf("publish %s %s row %d: %w", t.Name, pub.Date, i, err)
		}
		if r[di] != pub.Date {
			return Prepared{}, fmt.Errorf("publish %s %s row %d: %w", t.Name, pub.Date, i,
				&FieldError{Column: PartitionColumn, Reason: fmt.Sprintf("%v is not the partition's date", r[di])})
		}
	}
	sorted := append([]Row(nil), pub.Rows...)
	t.SortRows(sorted)
	if a, _ := t.DuplicateKey(sorted); a >= 0 {
		return Prepared{}, fmt.Errorf("publish %s %s: %w: duplicate key %v", t.Name, pub.Date, ErrInvalid, keyOf(t, sorted[a]))
	}
	enc := t.encodeSorted(sorted)
	p := Prepared{Publication: pub, Encoded: enc, Hash: HashBytes(enc)}
	if t.Cover != nil {
		p.Coverage = t.Cover(pub.Rows).Encode()
	}
	return p, nil
}

func keyOf(t *Table, r Row) []any {
	out := make([]any, 0, len(t.key))
	for _, i := range t.key {
		out = append(out, r[i])
	}
	return out
}

// AnnounceID is the message id of the trigger a publication records: equal
// content announces once, whatever path announced it.
func AnnounceID(table string, d Date, hash string) string {
	return "content:" + table + ":" + d.String() + ":" + hash
}

// Compress gzips an encoded partition for version history.
func Compress(encoded []byte) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	_, _ = w.Write(encoded)
	_ = w.Close()
	return b.Bytes()
}

// Decompress reverses Compress.
func Decompress(data []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// InputSpan is the dates of one table a publication read.
type InputSpan struct {
	Table    string
	From, To Date
}

// InputSpans groups inputs by table, in the order tables first appear.
func InputSpans(inputs []InputVersion) []InputSpan {
	var spans []InputSpan
	index := map[string]int{}
	for _, in := range inputs {
		i, ok := index[in.Table]
		if !ok {
			i = len(spans)
			index[in.Table] = i
			spans = append(spans, InputSpan{Table: in.Table, From: in.Date, To: in.Date})
		}
		s := &spans[i]
		s.From, s.To = min(s.From, in.Date), max(s.To, in.Date)
	}
	return spans
}

// Unchanged reports whether the publication leaves a partition whose
// current version is cur alone (see Publication).
func (p Prepared) Unchanged(cur PartitionVersion) bool {
	return p.skipsUnchanged() && cur.ContentHash == p.Hash && cur.Partial == p.Partial ||
		p.skipsSameFingerprint() && cur.Fingerprint == p.Fingerprint
}

// Next describes the version the publication creates after prev (0: the
// partition's first).
func (p Prepared) Next(prev int, now time.Time) (PartitionVersion, error) {
	v := PartitionVersion{
		Table: p.Table.Name, Date: p.Date, Version: prev + 1, RowCount: len(p.Rows),
		ContentHash: p.Hash, Source: p.Source, Partial: p.Partial,
		ProcessorVersion: p.ProcessorVersion, BuildRevision: p.BuildRevision,
		RestoredFrom: p.RestoredFrom, CreatedAt: now, Inputs: p.Inputs, Fingerprint: p.Fingerprint,
	}
	var err error
	v.Coverage, err = DecodeCoverage(p.Coverage)
	return v, err
}
