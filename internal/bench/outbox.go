package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	portal "portal"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/notify"
)

// Outbox is one round of the outbox benchmark: Events mails enqueued at
// once for Users in turn, then Workers outbox workers, as `portal serve`
// runs them, sending them to Sink until all have arrived. It measures what
// BenchmarkOutboxThroughput of internal/notify measures, on the run's
// generated database.
type Outbox struct {
	DB      *db.DB // a pool of at least Workers+1 connections
	Sink    *Sink
	Users   []int64 // recipients, with e-mail addresses
	Events  int
	Workers int
	// Stall ends a round in which no mail arrived for this long; what did
	// not arrive counts as errors.
	Stall time.Duration
	Logf  func(format string, a ...any)
}

// OutboxUsers returns up to n generated users with e-mail addresses to
// mail, both languages among them when the data has both.
func OutboxUsers(ctx context.Context, d *db.DB, n int) ([]int64, error) {
	var ids []int64
	err := d.WithContext(ctx).Raw(
		"SELECT id FROM users WHERE email <> '' ORDER BY locale, id LIMIT ?", n).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("outbox recipients: %w", err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("outbox recipients: no generated user has an e-mail address")
	}
	return ids, nil
}

// Run empties the outbox, enqueues the round's events, runs the workers
// until the sink has them all (or the round stalls), and returns the
// result named scenario: events/s as RPS, and as latencies the time a
// worker spends per mail (between two mails on one SMTP connection).
// Errors are the events the sink did not receive exactly once.
func (o Outbox) Run(ctx context.Context, scenario string) (Result, error) {
	if o.Events < 1 || o.Workers < 1 {
		return Result{}, fmt.Errorf("bench: outbox round of %d events with %d workers", o.Events, o.Workers)
	}
	bundle, err := i18n.Load()
	if err != nil {
		return Result{}, err
	}
	mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{
		Host: "127.0.0.1", Port: o.Sink.Port, TLS: notify.TLSNone,
		From: "Electives Office <electives@portal.bench>", Timeout: 10 * time.Second,
	}, o.Workers)
	if err != nil {
		return Result{}, err
	}
	defer mailer.Close()
	// Production options but a short poll: an idle worker of a busy
	// outbox (its claim found every due row locked) would otherwise
	// sleep about a second.
	svc, err := notify.NewService(o.DB, bundle, mailer, notify.Options{
		BaseURL: "http://portal.bench", Templates: portal.Templates, Poll: 5 * time.Millisecond,
	})
	if err != nil {
		return Result{}, err
	}

	// The previous round's rows go, so that each round claims from an
	// outbox holding its own events only.
	if err := o.DB.WithContext(ctx).Exec("DELETE FROM outbox").Error; err != nil {
		return Result{}, fmt.Errorf("empty the outbox: %w", err)
	}
	t0 := time.Now()
	if err := o.enqueue(ctx); err != nil {
		return Result{}, err
	}
	if err := o.DB.WithContext(ctx).Exec("ANALYZE outbox").Error; err != nil {
		return Result{}, err
	}
	o.Logf("%s: %d events enqueued in %s; sending with %d worker(s)", scenario, o.Events, time.Since(t0).Round(time.Millisecond), o.Workers)

	o.Sink.Reset()
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() { svc.Run(wctx, o.Workers) })
	stalled := o.wait(ctx)
	stop()
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	// Counted once the workers have stopped: a mail sent twice would
	// arrive right after the others.
	tally := o.Sink.Tally()

	res := Result{Scenario: scenario, Connections: o.Workers, Requests: tally.Total, Errors: tally.NotOnce(o.Events)}
	end := tally.Last
	if stalled || end.IsZero() {
		end = time.Now()
	}
	res.Seconds = end.Sub(start).Seconds()
	if res.Seconds > 0 {
		res.RPS = float64(tally.Distinct()) / res.Seconds
	}
	slices.Sort(tally.Gaps)
	res.P50Ms, res.P99Ms = ms(Percentile(tally.Gaps, 50)), ms(Percentile(tally.Gaps, 99))
	if n := len(tally.Gaps); n > 0 {
		res.MaxMs = ms(tally.Gaps[n-1])
	}
	if res.Errors > 0 {
		status, err := o.statuses(ctx)
		if err != nil {
			return Result{}, err
		}
		res.FirstError = fmt.Sprintf("the sink received %d mails with %d Message-IDs for %d events; outbox by status: %v",
			tally.Total, tally.Distinct(), o.Events, status)
	}
	return res, nil
}

// enqueue records the round's events in one transaction, as a burst of
// changes would: a host decision (mandatory, so no preference skips it)
// for each user in turn.
func (o Outbox) enqueue(ctx context.Context) error {
	data := map[string]any{"ref": "A-2026-0042", "host": "Kumamoto University 熊本大学", "decision": "accepted"}
	return o.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i := range o.Events {
			err := notify.Enqueue(tx, notify.Event{
				Kind: notify.HostDecision, RecipientUserID: o.Users[i%len(o.Users)],
				Data: data, Link: fmt.Sprintf("/applications/%d", i+1),
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// wait polls the sink until it has a mail for every event, or until none
// arrived for Stall; stalled says which.
func (o Outbox) wait(ctx context.Context) (stalled bool) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	seen, progress := -1, time.Now()
	for {
		distinct, total := o.Sink.Progress()
		if distinct >= o.Events {
			return false
		}
		if total != seen {
			seen, progress = total, time.Now()
		} else if time.Since(progress) > o.Stall {
			o.Logf("outbox: no mail arrived for %s; %d of %d events sent", o.Stall, distinct, o.Events)
			return true
		}
		select {
		case <-ctx.Done():
			return true
		case <-tick.C:
		}
	}
}

// statuses counts the outbox rows by status, to explain errors.
func (o Outbox) statuses(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := o.DB.WithContext(ctx).Raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}
