package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/statgate/statgate/internal/dag"
)

// graphJSON is the graph as data: processors in dependency order, each with
// its declared inputs.
type graphJSON struct {
	Processors []graphProcessor `json:"processors"`
	// Format and Rendered are the graph in --format (text by default).
	Format   string `json:"format"`
	Rendered string `json:"rendered"`
}

type graphProcessor struct {
	Name    string       `json:"name"`
	Version string       `json:"version"`
	Inputs  []graphInput `json:"inputs"`
}

type graphInput struct {
	Table    string `json:"table"`
	Window   string `json:"window"`
	Required bool   `json:"required"`
	Producer string `json:"producer,omitempty"`
}

func graphData(g *dag.Graph) graphJSON {
	var out graphJSON
	for _, name := range g.Order() {
		p := g.Processor(name)
		gp := graphProcessor{Name: name, Version: p.Version()}
		for _, in := range p.Inputs() {
			gp.Inputs = append(gp.Inputs, graphInput{Table: in.Table, Window: in.Window.String(),
				Required: in.Required, Producer: g.Producer(in.Table)})
		}
		out.Processors = append(out.Processors, gp)
	}
	return out
}

func newGraphCmd(c *cli) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "graph [--format text|dot|mermaid]",
		Short: "Print the processor graph derived from the processors' declared inputs",
		Long: `graph prints the processor graph the program derives from the processors'
declared inputs: as text, Graphviz dot or a mermaid diagram.

With --json: {"processors": [{"name", "version", "inputs": [{"table",
"window", "required", "producer"}]}], "format", "rendered"}, rendered being
the graph in --format.`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			g, err := graph()
			if err != nil {
				return err
			}
			var text string
			switch format {
			case "text":
				text = g.Text()
			case "dot":
				text = g.Dot()
			case "mermaid":
				text = g.Mermaid()
			default:
				return usageError{fmt.Errorf("--format %q: want text, dot or mermaid", format)}
			}
			if c.jsonOut {
				data := graphData(g)
				data.Format, data.Rendered = format, text
				return c.printJSON(data)
			}
			c.printf("%s", text)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text, dot or mermaid")
	return cmd
}
