package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/statgate/statgate/internal/alert"
	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/publish"
)

// engineFlags are the engine settings shared by run, backfill and demo.
type engineFlags struct {
	deadline    time.Duration
	fallback    time.Duration
	concurrency int
	leaseTTL    time.Duration
	// publishBy are --publish-deadline TABLE=WHEN overrides.
	publishBy []string
}

func (f *engineFlags) register(fs *pflag.FlagSet) {
	def := dag.DefaultPolicy()
	fs.DurationVar(&f.deadline, "completeness-deadline", def.CompletenessDeadline,
		"how long after the end of a date incomplete inputs are waited for before publishing on the complete games")
	fs.DurationVar(&f.fallback, "fallback-after", def.FallbackAfter,
		"how long a game's box score may be missing after its gamebook arrived before totals are summed from the gamebook")
	fs.IntVar(&f.concurrency, "concurrency", 2, "tasks run at once")
	fs.DurationVar(&f.leaseTTL, "lease-ttl", engine.DefaultLeaseTTL, "how long a task stays claimed by a process that died (a live one renews it)")
	fs.StringArrayVar(&f.publishBy, "publish-deadline", nil,
		`TABLE=WHEN: when TABLE's partition for date D is due, "D+N HH:MM" in UTC, or none (repeatable; default: player_game_summary="D+1 12:00")`)
}

// publishDeadlines reads the --publish-deadline overrides.
func (f *engineFlags) publishDeadlines(g *dag.Graph) (map[string]pipeline.PublishDeadline, error) {
	out := map[string]pipeline.PublishDeadline{}
	for _, v := range f.publishBy {
		table, when, ok := strings.Cut(v, "=")
		if !ok {
			return nil, usageError{fmt.Errorf("--publish-deadline %q: want TABLE=\"D+N HH:MM\" or TABLE=none", v)}
		}
		if g.Processor(table) == nil {
			return nil, usageError{fmt.Errorf("--publish-deadline %q: %q is not an analytics table (%s)", v, table, strings.Join(g.Order(), ", "))}
		}
		p, err := pipeline.ParsePublishDeadline(when)
		if err != nil {
			return nil, usageError{fmt.Errorf("--publish-deadline %s: %w", table, err)}
		}
		out[table] = p
	}
	return out, nil
}

// newEngine wires the engine for s. Alerts, when a webhook is configured,
// are sent until the command's context ends (see stopAlerts).
func (c *cli) newEngine(s pipeline.Store, f engineFlags, events func(engine.Event)) (*engine.Engine, *dag.Graph, error) {
	cfg, err := c.engineConfig(s, f)
	if err != nil {
		return nil, nil, err
	}
	cfg.Events = events
	e, err := engine.New(cfg)
	return e, cfg.Graph, err
}

// engineConfig is the engine's configuration from the flags.
func (c *cli) engineConfig(s pipeline.Store, f engineFlags) (engine.Config, error) {
	g, err := graph()
	if err != nil {
		return engine.Config{}, err
	}
	alerts, err := c.alerts()
	if err != nil {
		return engine.Config{}, err
	}
	pol := dag.DefaultPolicy()
	pol.CompletenessDeadline, pol.FallbackAfter = f.deadline, f.fallback
	due, err := f.publishDeadlines(g)
	if err != nil {
		return engine.Config{}, err
	}
	return engine.Config{
		Store: s, Catalog: nba.Catalog, Graph: g, Policy: pol, Workers: f.concurrency, LeaseTTL: f.leaseTTL,
		PublishDeadlines: due, Hold: true,
		Executor: &publish.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: readBuildInfo().Revision, Cache: publish.NewCache(publish.DefaultCacheRows)},
		Now:      c.now, Logger: c.logger(), Alerts: alerts,
	}, nil
}

// openEngine opens the database and wires an engine on it; the caller
// closes the store.
func (c *cli) openEngine(ctx context.Context, f engineFlags, events func(engine.Event)) (pipeline.Store, *engine.Engine, *dag.Graph, error) {
	s, err := c.openStore(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	e, g, err := c.newEngine(s, f, events)
	if err != nil {
		s.Close()
		return nil, nil, nil, err
	}
	return s, e, g, nil
}

// alerts starts the webhook sender once per command, or returns nil.
func (c *cli) alerts() (engine.Notifier, error) {
	url := c.alertURL
	if url == "" {
		url = c.getenv("STATGATE_ALERT_WEBHOOK")
	}
	if url == "" {
		return nil, nil
	}
	if c.webhook == nil {
		w, err := alert.New(alert.Config{URL: url, Backfills: c.alertBackfills, Logger: c.logger()})
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithCancel(context.Background())
		go w.Run(ctx)
		c.webhook, c.stopWebhook = w, cancel
	}
	return c.webhook, nil
}

// stopAlerts sends what is queued and stops the sender.
func (c *cli) stopAlerts() {
	if c.webhook != nil {
		c.stopWebhook()
		<-c.webhook.Done()
		c.webhook = nil
	}
}
