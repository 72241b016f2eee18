package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progressEvery is how often progress is written when stderr is not a
// terminal (a log file, a CI job).
const progressEvery = 10 * time.Second

// progress shows how far a long command is: a bar with done/total,
// percentage and time left on a terminal, a line every progressEvery
// otherwise.
type progress struct {
	name  string
	w     io.Writer
	start time.Time
	every time.Duration

	mu          sync.Mutex
	done, total int64

	bar  *mpb.Bar
	p    *mpb.Progress
	stop chan struct{}
	wg   sync.WaitGroup
}

// progress starts showing name's progress towards total tasks on w.
func (c *cli) progress(w io.Writer, name string, total int64) *progress {
	every := c.progressEvery
	if every <= 0 {
		every = progressEvery
	}
	pr := &progress{name: name, w: w, start: time.Now(), every: every, total: total, stop: make(chan struct{})}
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		pr.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
		pr.bar = pr.p.AddBar(total,
			mpb.PrependDecorators(decor.Name(name+" "), decor.CountersNoUnit("%d / %d tasks "), decor.Percentage()),
			mpb.AppendDecorators(decor.Name("  "), decor.AverageETA(decor.ET_STYLE_GO, decor.WCSyncSpace), decor.Name(" left")))
		return pr
	}
	pr.wg.Add(1)
	go func() {
		defer pr.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				pr.line()
			case <-pr.stop:
				return
			}
		}
	}()
	return pr
}

// add counts n more tasks done; a total passed (a task ran twice) grows.
func (p *progress) add(n int64) {
	p.mu.Lock()
	p.done += n
	grew := p.done > p.total
	if grew {
		p.total = p.done
	}
	total := p.total
	p.mu.Unlock()
	if p.bar != nil {
		if grew {
			p.bar.SetTotal(total, false)
		}
		p.bar.IncrBy(int(n))
	}
}

// line writes one progress line.
func (p *progress) line() {
	p.mu.Lock()
	done, total := p.done, p.total
	p.mu.Unlock()
	elapsed := time.Since(p.start)
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	left := "time left not known yet"
	if done > 0 && done < total {
		left = "about " + humanDuration(time.Duration(float64(elapsed)/float64(done)*float64(total-done))) + " left"
	} else if done >= total {
		left = "done"
	}
	fmt.Fprintf(p.w, "%s: %d of %s (%.0f%%), %s elapsed, %s\n", p.name, done, plural(int(total), "task"), pct,
		humanDuration(elapsed), left)
}

// finish ends the bar, or writes a last line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	if p.bar != nil {
		p.bar.SetTotal(-1, true)
		p.p.Wait()
		return
	}
	close(p.stop)
	p.wg.Wait()
	p.line()
}

// humanDuration rounds d to what a person reads: 3m10s, 42s, 850ms.
func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}
