package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/release"
)

// linkedRevision may be set at link time, for builds without a .git
// directory (a container build from a source archive):
//
//	go build -ldflags "-X main.linkedRevision=$(git rev-parse HEAD)" ./cmd/statgate
var linkedRevision string

// buildInfo identifies the running binary so that a deploy can be verified.
type buildInfo struct {
	Revision string `json:"revision"`
	Modified bool   `json:"modified"`
	Time     string `json:"time,omitempty"`
	// Source says where the revision was read: "build" (stamped by the
	// go command), "link" (-ldflags -X), "working tree" (a binary of go
	// run without stamping, asking git at start) or "unknown".
	Source string `json:"revision_source"`
	Module string `json:"module_version"`
	Go     string `json:"go"`
}

// readBuildInfo is the running binary's identity, worked out once.
var readBuildInfo = sync.OnceValue(func() buildInfo {
	info, ok := debug.ReadBuildInfo()
	exe, _ := os.Executable()
	wd, _ := os.Getwd()
	return identify(info, ok, exe, wd, gitRevision)
})

// modulePath is this program's module, which a working tree must hold for
// its revision to be this binary's.
const modulePath = "github.com/statgate/statgate"

// identify decides the binary's revision: what the go command stamped
// (go build and go install do by default; go run only with
// -buildvcs=true), else what the linker was told, else — only for a
// binary go run just built into its temporary directory, run inside this
// module's git working tree — the working tree's revision, which is what
// go run compiled.
func identify(info *debug.BuildInfo, ok bool, exe, wd string, git func(dir string) (string, bool, error)) buildInfo {
	b := buildInfo{Revision: "unknown", Source: "unknown", Go: runtime.Version(), Module: "(devel)"}
	if ok {
		b.Module = info.Main.Version
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision, b.Source = s.Value, "build"
			case "vcs.modified":
				b.Modified = s.Value == "true"
			case "vcs.time":
				b.Time = s.Value
			}
		}
	}
	switch {
	case b.Source == "build":
	case linkedRevision != "":
		b.Revision, b.Source = linkedRevision, "link"
	case ok && info.Main.Path == modulePath && builtByGoRun(exe):
		if root, found := moduleRoot(wd); found {
			if rev, dirty, err := git(root); err == nil {
				b.Revision, b.Modified, b.Source = rev, dirty, "working tree"
			}
		}
	}
	return b
}

// builtByGoRun reports whether exe lies in a go-build temporary directory,
// where go run links the binaries it runs.
func builtByGoRun(exe string) bool {
	for dir := filepath.Dir(exe); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if strings.HasPrefix(filepath.Base(dir), "go-build") {
			return true
		}
	}
	return false
}

// moduleRoot finds the directory at or above wd whose go.mod declares this
// module.
func moduleRoot(wd string) (string, bool) {
	for dir := wd; dir != ""; {
		if f, err := os.Open(filepath.Join(dir, "go.mod")); err == nil {
			sc := bufio.NewScanner(f)
			declares := sc.Scan() && strings.TrimSpace(sc.Text()) == "module "+modulePath
			f.Close()
			return dir, declares
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", false
}

// gitRevision asks git for dir's checked-out revision and whether files
// are edited.
func gitRevision(dir string) (string, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rev, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", false, err
	}
	status, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain").Output()
	if err != nil {
		return "", false, err
	}
	return strings.TrimSpace(string(rev)), len(strings.TrimSpace(string(status))) > 0, nil
}

// versionResult is statgate version's JSON: the build, and each
// processor's running version with its state on the database.
type versionResult struct {
	buildInfo
	Processors []release.Version `json:"processors"`
}

func newVersionCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the build revision and each processor's version and state",
		Long: `version prints the git revision the binary was built from, so that a deploy
can be verified; /version serves the same, and every published partition's
lineage records it.

go build and go install stamp the revision by default (unless GOFLAGS holds
-buildvcs=false: then pass -buildvcs=true). go run stamps it only with
-buildvcs=true; without it, a binary of go run asks git for the working
tree's revision when it starts. A build without a .git directory can be
told the revision with -ldflags "-X main.linkedRevision=REV". The JSON's
revision_source says which of these applied (build, link, working tree or
unknown).

When a database is given (--db, STATGATE_DB, or statgate.db exists here) it
also lists each processor's running version and its state there: promoted,
held (not promoted: older versions' partitions stay), rolled_back, or current
(nothing an older version published).

With --json: {"revision", "modified", "time", "revision_source",
"module_version", "go", "processors": [{"processor", "version", "state"}, …]}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res := versionResult{buildInfo: readBuildInfo(), Processors: []release.Version{}}
			if c.db != "" || c.getenv("STATGATE_DB") != "" || fileExists(defaultDB) {
				s, e, g, err := c.openEngine(cmd.Context(), engineFlags{}, nil)
				if err != nil {
					return err
				}
				defer s.Close()
				if res.Processors, err = release.Versions(cmd.Context(), s, e, g); err != nil {
					return err
				}
			}
			if c.jsonOut {
				return c.printJSON(res)
			}
			b := res.buildInfo
			dirty := ""
			if b.Modified {
				dirty = " (modified)"
			}
			from := ""
			if b.Source == "working tree" || b.Source == "link" {
				from = ", read from the " + b.Source
			}
			c.printf("statgate %s revision %s%s%s, %s\n", b.Module, b.Revision, dirty, from, b.Go)
			for _, p := range res.Processors {
				c.printf("  %-34s %-10s %s\n", p.Processor, p.Version, p.State)
			}
			return nil
		},
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
