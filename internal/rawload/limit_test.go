package rawload

import (
	"bytes"
	"io"
	"math/rand"
	"testing"
)

// refLimit is the limiter's rule, one byte at a time: records end at a '\n'
// outside quotes; a record's length leaves out its line end ("\n" or
// "\r\n"); the first record longer than max is reported with the line it
// starts on.
func refLimit(data []byte, max int) (tooLong bool, start int) {
	line, n, quoted := 1, 0, false
	start = 1
	content := func(end int) int {
		if n > 0 && data[end-1] == '\r' {
			return n - 1
		}
		return n
	}
	for i, c := range data {
		if c == '"' {
			quoted = !quoted
		}
		if c == '\n' && !quoted {
			if content(i) > max {
				return true, start
			}
			line++
			start, n = line, 0
			continue
		}
		if c == '\n' {
			line++
		}
		n++
	}
	return content(len(data)) > max, start
}

// chunked hands out data in pieces of random sizes, as readers do.
type chunked struct {
	data []byte
	rng  *rand.Rand
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+c.rng.Intn(8))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// The limiter scans with bytes.IndexByte and keeps state across reads; it
// must agree with the byte-at-a-time rule whatever the data and however it
// is cut into reads.
func TestRecordLimiterAgreesWithRule(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("aa\"\n\r,")
	for i := 0; i < 20000; i++ {
		data := make([]byte, rng.Intn(60))
		for j := range data {
			data[j] = alphabet[rng.Intn(len(alphabet))]
		}
		max := rng.Intn(12)
		wantLong, wantStart := refLimit(data, max)
		lim := newRecordLimiter(&chunked{data: data, rng: rng}, max)
		got, err := io.ReadAll(lim)
		switch {
		case wantLong && (err != errRecordTooLong || lim.start != wantStart):
			t.Fatalf("limit %d, %q: error %v at line %d, want too long at line %d", max, data, err, lim.start, wantStart)
		case !wantLong && (err != nil || !bytes.Equal(got, data)):
			t.Fatalf("limit %d, %q: read %q, %v; want all of it", max, data, got, err)
		}
	}
}
