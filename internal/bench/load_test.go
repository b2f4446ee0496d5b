package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"median of ten is the fifth", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 50, 5 * time.Millisecond},
		{"median of odd count is the middle", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"p99 of ten is the largest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"p99 of a hundred is the 99th", hundred, 99, 99 * time.Millisecond},
		{"p50 of a hundred is the 50th", hundred, 50, 50 * time.Millisecond},
		{"p100 is the maximum", hundred, 100, 100 * time.Millisecond},
		{"a tiny p is the minimum", hundred, 0.001, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(p=%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarizeMergesWorkers(t *testing.T) {
	workers := []*worker{
		{latencies: []time.Duration{3, 1}, errors: 1, firstErr: "boom"},
		{latencies: []time.Duration{4, 2}, errors: 2},
	}
	o := summarize(workers, 2*time.Second)
	if o.Requests != 4 || o.Errors != 3 || o.RPS != 2 || o.P50 != 2 || o.P99 != 4 || o.Max != 4 || o.FirstError != "boom" {
		t.Errorf("summarize = %+v", o)
	}
}

// TestLoadCountsErrors runs the generator briefly against a server that
// fails every request to /bad, and checks that only failures are counted
// as errors and successes as requests.
func TestLoadCountsErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	run := func(path string) Outcome {
		measured := false
		o, err := Load{
			Client: srv.Client(), Concurrency: 4, Warmup: 20 * time.Millisecond, Duration: 150 * time.Millisecond,
			NewRequest: func(ctx context.Context) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
			},
			AtMeasure: func() { measured = true },
		}.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !measured {
			t.Error("AtMeasure was not called")
		}
		return o
	}
	if o := run("/good"); o.Requests == 0 || o.Errors != 0 || o.P50 <= 0 || o.P99 < o.P50 {
		t.Errorf("good: %+v", o)
	}
	if o := run("/bad"); o.Requests != 0 || o.Errors == 0 || o.FirstError == "" {
		t.Errorf("bad: %+v", o)
	}
}

// With Accept, a redirect can be the success and a 200 the error.
func TestLoadAccept(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/post" {
			http.Redirect(w, r, "/done", http.StatusSeeOther)
		}
	}))
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	run := func(path string) Outcome {
		o, err := Load{
			Client: client, Concurrency: 2, Duration: 100 * time.Millisecond,
			NewRequest: func(ctx context.Context) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
			},
			Accept: func(resp *http.Response) error {
				if resp.StatusCode != http.StatusSeeOther {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				return nil
			},
		}.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	if o := run("/post"); o.Requests == 0 || o.Errors != 0 {
		t.Errorf("redirects: %+v", o)
	}
	if o := run("/other"); o.Requests != 0 || o.Errors == 0 || o.FirstError != "status 200" {
		t.Errorf("200s: %+v", o)
	}
}

func TestLoadStopsWhenInterrupted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Load{
		Client: srv.Client(), Concurrency: 2, Duration: time.Minute,
		NewRequest: func(ctx context.Context) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		},
	}.Run(ctx)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("Run = %v after %s, want an error soon after the interrupt", err, time.Since(start))
	}
}
