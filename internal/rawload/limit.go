package rawload

import (
	"bytes"
	"errors"
	"io"
)

// maxLine bounds one line (for CSV, one record) so that a file without line
// ends cannot make the decoder buffer all of it. Line ends do not count.
const maxLine = 1 << 20

var errRecordTooLong = errors.New("record too long")

// recordLimiter sits between the buffered file and the CSV parser and fails
// as soon as the current record grows past max bytes (maxLine, but for
// tests). encoding/csv gathers a whole record before it returns anything,
// so without this a file without line ends would be read into memory
// whole, however large, before being rejected.
//
// A line end inside a quoted field does not end the record, so the limiter
// follows quotes the way the parser does: every '"' flips whether the bytes
// that follow are quoted (an escaped "" flips twice). A quote the parser
// would refuse, such as one in the middle of an unquoted field, makes the
// parser fail on that line before the limiter's view can matter.
type recordLimiter struct {
	r   io.Reader
	max int
	// line is the physical line of the next byte; start the line the
	// current record began on, which is where an error points.
	line, start int
	// n counts the current record's bytes so far.
	n int
	// quoted is set inside a quoted field.
	quoted bool
	// lastCR is set when the last byte counted was '\r', which is part of
	// the line end, not of the record, when '\n' follows.
	lastCR  bool
	tooLong bool
}

func newRecordLimiter(r io.Reader, max int) *recordLimiter {
	return &recordLimiter{r: r, max: max, line: 1, start: 1}
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.tooLong {
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	ok := l.scan(p[:n])
	if ok && err == io.EOF {
		ok = l.content() <= l.max
	}
	if !ok {
		l.tooLong = true
		return 0, errRecordTooLong
	}
	return n, err
}

// content is the length of the current record without a trailing '\r'.
func (l *recordLimiter) content() int {
	if l.lastCR {
		return l.n - 1
	}
	return l.n
}

// scan accounts for p and reports whether every record in it, and the one
// it leaves open, is within the limit. It searches for the next quote and
// line end with bytes.IndexByte rather than looking at every byte itself,
// and remembers where the next line end is, so that a line of many quoted
// fields is still scanned once.
func (l *recordLimiter) scan(p []byte) bool {
	// nl is the index of the next '\n' at or after i, -1 when there is
	// none, -2 before the first search.
	i, nl := 0, -2
	for i < len(p) {
		if l.quoted {
			end := len(p)
			if q := bytes.IndexByte(p[i:], '"'); q >= 0 {
				end = i + q + 1
				l.quoted = false
			}
			l.line += bytes.Count(p[i:end], newline)
			l.n += end - i
			l.lastCR = p[end-1] == '\r'
			i = end
			if l.n > l.max+1 {
				return false
			}
			continue
		}
		if nl == -2 || (nl >= 0 && nl < i) {
			nl = -1
			if j := bytes.IndexByte(p[i:], '\n'); j >= 0 {
				nl = i + j
			}
		}
		end := len(p)
		if nl >= 0 {
			end = nl
		}
		if q := bytes.IndexByte(p[i:end], '"'); q >= 0 {
			l.n += q + 1
			l.quoted, l.lastCR = true, false
			i += q + 1
			if l.n > l.max+1 {
				return false
			}
			continue
		}
		l.n += end - i
		if end > i {
			l.lastCR = p[end-1] == '\r'
		}
		i = end
		// One byte of room for the '\r' of a CRLF line end still to come.
		if l.n > l.max+1 {
			return false
		}
		if nl < 0 {
			return true
		}
		if l.content() > l.max {
			return false
		}
		l.line++
		l.start, l.n, l.lastCR = l.line, 0, false
		i = nl + 1
	}
	return true
}

var newline = []byte{'\n'}
