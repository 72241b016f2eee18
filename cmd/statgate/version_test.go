package main

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// TestIdentify: the revision comes from the go command's stamp, else from
// git — but only for a binary go run built, run inside this module's tree.
func TestIdentify(t *testing.T) {
	t.Parallel()
	tree := t.TempDir()
	if err := os.WriteFile(filepath.Join(tree, "go.mod"), []byte("module "+modulePath+"\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(tree, "internal", "engine")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git := func(dir string) (string, bool, error) {
		if dir != tree {
			return "", false, errors.New("not a repository")
		}
		return "0123abcd", true, nil
	}
	stamped := &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v0.0.0-2026"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "feedbeef"}, {Key: "vcs.modified", Value: "false"}}}
	unstamped := &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}}
	goRunExe := filepath.Join(os.TempDir(), "go-build123456", "b001", "exe", "statgate")
	for _, tc := range []struct {
		name         string
		info         *debug.BuildInfo
		exe, wd      string
		rev, source  string
		wantModified bool
	}{
		{"go build stamps", stamped, "/usr/local/bin/statgate", other, "feedbeef", "build", false},
		{"go run in the tree", unstamped, goRunExe, sub, "0123abcd", "working tree", true},
		{"go run in another module", unstamped, goRunExe, other, "unknown", "unknown", false},
		{"an unstamped binary in the tree is not the tree", unstamped, "/usr/local/bin/statgate", tree, "unknown", "unknown", false},
	} {
		b := identify(tc.info, true, tc.exe, tc.wd, git)
		if b.Revision != tc.rev || b.Source != tc.source || b.Modified != tc.wantModified {
			t.Errorf("%s: identify() = revision %q from %q modified %t, want %q from %q modified %t",
				tc.name, b.Revision, b.Source, b.Modified, tc.rev, tc.source, tc.wantModified)
		}
	}
}
