package rawload

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"unicode/utf8"
)

const bufSize = 64 << 10

var (
	gzipMagic = []byte{0x1f, 0x8b}
	utf8BOM   = []byte{0xef, 0xbb, 0xbf}
)

// otherCompression lists the compressed formats people save raw tables in
// besides gzip. They are recognised by their magic bytes so that such a file
// is refused as what it is, not parsed as a header of garbled column names.
var otherCompression = []struct {
	name  string
	magic []byte
}{
	{"zip", []byte("PK\x03\x04")},
	{"bzip2", []byte("BZh")},
	{"xz", []byte("\xfd7zXZ\x00")},
	{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd}},
}

const maxMagic = 6

// plainText returns a reader of the file's text: the data itself, or what it
// decompresses to when it is gzip. Compression is recognised by its magic
// bytes, never by the name; a name ending in .gz only makes data that is not
// gzip suspect, so that a binary file is not reported as a header of unknown
// columns. A leading byte order mark is dropped.
func plainText(name string, br *bufio.Reader, src *sourceReader) (*bufio.Reader, error) {
	head, _ := br.Peek(maxMagic)
	if bytes.HasPrefix(head, gzipMagic) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, readError(name, 1, src, err)
		}
		br = bufio.NewReaderSize(gz, bufSize)
		// A compressed archive inside gzip is no more readable than one
		// outside it.
		head, _ = br.Peek(maxMagic)
	} else if strings.HasSuffix(strings.ToLower(name), ".gz") {
		window, err := br.Peek(bufSize)
		if src.err != nil {
			return nil, readError(name, 1, src, err)
		}
		if !isText(window, len(window) == bufSize) && compressedAs(head) == "" {
			return nil, &LineError{File: name, Line: 1, Reason: fmt.Sprintf(
				"data is not gzip (and not text): the name ends in .gz but the data does not start with gzip's magic bytes 1f 8b (it starts % x)",
				head)}
		}
	}
	if f := compressedAs(head); f != "" {
		return nil, &LineError{File: name, Line: 1, Reason: fmt.Sprintf("data is %s-compressed: only gzip is supported", f)}
	}
	if src.err != nil {
		return nil, readError(name, 1, src, src.err)
	}
	// Spreadsheet programs start CSV exports with a byte order mark, which
	// would otherwise become part of the first column's name.
	if bom, _ := br.Peek(len(utf8BOM)); bytes.Equal(bom, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	return br, nil
}

func compressedAs(head []byte) string {
	for _, c := range otherCompression {
		if bytes.HasPrefix(head, c.magic) {
			return c.name
		}
	}
	return ""
}

// isText reports whether b is UTF-8 without NUL bytes. When more follows b,
// a character cut by the end of b does not count against it.
func isText(b []byte, more bool) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			if b[i] == 0 {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return more && !utf8.FullRune(b[i:])
		}
		i += size
	}
	return true
}

// badBytes returns why s cannot be stored as text (a NUL byte, which
// PostgreSQL refuses in text, or invalid UTF-8), or "" when it can.
func badBytes(s string) string {
	// Most values are ASCII without NUL; checking that first is cheaper
	// than decoding.
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c >= utf8.RuneSelf {
			return badBytesFrom(s, i)
		}
	}
	return ""
}

func badBytesFrom(s string, i int) string {
	for i < len(s) {
		c := s[i]
		if c == 0 {
			return fmt.Sprintf("NUL byte at byte %d of %s", i+1, around(s, i))
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Sprintf("not valid UTF-8: byte 0x%02x at byte %d of %s", c, i+1, around(s, i))
		}
		i += size
	}
	return ""
}

// around quotes the part of s near byte i, so that a bad byte in a long
// value does not put the whole value into the error.
func around(s string, i int) string {
	const reach = 32
	from, to := max(0, i-reach), min(len(s), i+reach)
	q := fmt.Sprintf("%q", s[from:to])
	if from > 0 {
		q = "…" + q
	}
	if to < len(s) {
		q += "…"
	}
	return q
}
