package rawload

import "testing"

// isText decides whether a file named .gz that is not gzip is read as text;
// it sees only the first 64 KiB, which may end in the middle of a character.
func TestIsText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		more bool
		want bool
	}{
		{"game_id,game_date\r\n", false, true},
		{"player_name\nNikola Jokić\n", false, true},
		{"", false, true},
		{"Nikola Joki\xc4", true, true},   // 'ć' cut by the end of the window
		{"Nikola Joki\xc4", false, false}, // 'ć' cut by the end of the file
		{"\xf0\x9f\x8f", true, true},      // a 4-byte character cut after 3
		{"Jokić\x00", false, false},
		{"caf\xe9,", true, false},
		{"\x1f\x8b", false, false},
		{"\xc4Joki", true, false},
	}
	for _, tt := range tests {
		if got := isText([]byte(tt.in), tt.more); got != tt.want {
			t.Errorf("isText(%q, %v) = %v, want %v", tt.in, tt.more, got, tt.want)
		}
	}
}
