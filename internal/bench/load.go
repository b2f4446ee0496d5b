// Package bench measures the portal the way production runs it: a fresh
// PostgreSQL database filled with generated data, the real `portal serve`
// binary in its own process, a real sign-in, and a closed-loop load
// generator. cmd/bench wires these parts together; they live here so that
// the pure ones (percentiles, metrics and /proc parsing) have tests.
package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Load describes one closed-loop run: Concurrency workers, each sending a
// request as soon as its previous one has finished.
type Load struct {
	Client      *http.Client
	Concurrency int
	Warmup      time.Duration // requests completing in it are discarded
	Duration    time.Duration // the measured period

	// NewRequest builds each request a worker sends, so that a scenario
	// may spread over queries or ids rather than ask the same thing again
	// and again. Workers call it concurrently.
	NewRequest func(ctx context.Context) (*http.Request, error)

	// Accept, when set, decides from its status and headers whether a
	// response is a success, e.g. an upload's redirect; by default a 2xx
	// is. Workers call it concurrently.
	Accept func(*http.Response) error

	// AtMeasure, when set, is called once when the warm-up ends and the
	// measured period begins, e.g. to read the server's counters.
	AtMeasure func()
}

// Outcome is what a run measured.
type Outcome struct {
	Requests   int           // successful responses (see Load.Accept) in the measured period
	Errors     int           // transport errors and unsuccessful responses in it
	Seconds    float64       // length of the measured period
	RPS        float64       // Requests / Seconds
	P50, P99   time.Duration // latency of successful requests
	Max        time.Duration
	FirstError string // one error, as a clue; empty when there were none
}

// worker holds what one connection recorded; nothing is shared while the
// run lasts.
type worker struct {
	latencies []time.Duration
	errors    int
	firstErr  string
}

// Run sends requests until the warm-up and the measured period have
// passed. Only requests that complete inside the measured period count.
// Requests in flight at its end are let finish, uncounted, rather than
// cancelled: the server would see a cancellation as an error of its own.
// Interrupting ctx stops the run with ctx's error.
func (l Load) Run(ctx context.Context) (Outcome, error) {
	if l.Concurrency < 1 || l.Duration <= 0 || l.Warmup < 0 {
		return Outcome{}, fmt.Errorf("bench: concurrency %d and duration %s must be positive, warm-up %s not negative", l.Concurrency, l.Duration, l.Warmup)
	}
	// A request that cannot be built is the caller's mistake: say so now
	// rather than count it as the server's error.
	if _, err := l.NewRequest(ctx); err != nil {
		return Outcome{}, err
	}
	measureFrom := time.Now().Add(l.Warmup)
	measureTo := measureFrom.Add(l.Duration)
	workers := make([]*worker, l.Concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{latencies: make([]time.Duration, 0, 1<<14)}
		workers[i] = w
		wg.Go(func() { w.loop(ctx, l, measureFrom, measureTo) })
	}
	if l.AtMeasure != nil {
		select {
		case <-time.After(time.Until(measureFrom)):
			l.AtMeasure()
		case <-ctx.Done():
		}
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Outcome{}, err // interrupted: the numbers mean nothing
	}
	return summarize(workers, l.Duration), nil
}

// loop sends requests until the time to or until ctx ends, recording what
// completes in [from, to]. Building a request takes a microsecond or two,
// outside the latency measured.
func (w *worker) loop(ctx context.Context, l Load, from, to time.Time) {
	for ctx.Err() == nil && time.Now().Before(to) {
		req, err := l.NewRequest(ctx)
		t0 := time.Now()
		if err == nil {
			err = send(l.Client, req, l.Accept)
		}
		t1 := time.Now()
		if t1.Before(from) || t1.After(to) || ctx.Err() != nil {
			continue
		}
		if err != nil {
			w.errors++
			if w.firstErr == "" {
				w.firstErr = err.Error()
			}
			continue
		}
		w.latencies = append(w.latencies, t1.Sub(t0))
	}
}

// send does one request and reads the whole body, so that the connection
// goes back to the pool; a response accept refuses (without accept, a
// non-2xx one) is an error.
func send(client *http.Client, req *http.Request, accept func(*http.Response) error) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if accept != nil {
		return accept(resp)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	return nil
}

// summarize merges the workers' records and computes the percentiles
// exactly over every latency.
func summarize(workers []*worker, measured time.Duration) Outcome {
	n := 0
	for _, w := range workers {
		n += len(w.latencies)
	}
	all := make([]time.Duration, 0, n)
	o := Outcome{Seconds: measured.Seconds()}
	for _, w := range workers {
		all = append(all, w.latencies...)
		o.Errors += w.errors
		if o.FirstError == "" {
			o.FirstError = w.firstErr
		}
	}
	slices.Sort(all)
	o.Requests = len(all)
	o.RPS = float64(o.Requests) / o.Seconds
	o.P50 = Percentile(all, 50)
	o.P99 = Percentile(all, 99)
	if n > 0 {
		o.Max = all[n-1]
	}
	return o
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value that at least p percent of the
// values are less than or equal to. It is 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// rank = ceil(p/100 * n), computed in integers where possible so that
	// p=50 of 10 values is exactly the 5th.
	rank := int(p * float64(n) / 100)
	if float64(rank) < p*float64(n)/100 {
		rank++
	}
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}
