package main

import (
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildInfo identifies the running binary so that a deploy can be verified.
type buildInfo struct {
	Revision string `json:"revision"`
	Modified bool   `json:"modified"`
	Time     string `json:"time,omitempty"`
	Module   string `json:"module_version"`
	Go       string `json:"go"`
}

func readBuildInfo() buildInfo {
	b := buildInfo{Revision: "unknown", Go: runtime.Version(), Module: "(devel)"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Module = info.Main.Version
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		case "vcs.time":
			b.Time = s.Value
		}
	}
	return b
}

func newVersionCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the build revision",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := readBuildInfo()
			if c.jsonOut {
				return c.printJSON(b)
			}
			dirty := ""
			if b.Modified {
				dirty = " (modified)"
			}
			c.printf("statgate %s revision %s%s, %s\n", b.Module, b.Revision, dirty, b.Go)
			return nil
		},
	}
}
