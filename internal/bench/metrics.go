package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The portal's counters the benchmark reads from /metrics.
const (
	MetricRequests = "portal_http_requests_total"
	MetricQueries  = "portal_db_queries_total"
	MetricDBWaits  = "portal_db_wait_count"
)

// Metrics are the samples of one /metrics scrape, by name as written
// (labels included, e.g. `x{code="200"}`).
type Metrics map[string]float64

// ParseMetrics reads the Prometheus text exposition format: one sample per
// line, "name value" or "name{labels} value", optionally followed by a
// timestamp; comments and blank lines are skipped.
func ParseMetrics(r io.Reader) (Metrics, error) {
	m := Metrics{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		// Label values may contain spaces, so the name ends at the closing
		// brace when there are labels.
		name, rest := text, ""
		if i := strings.LastIndexByte(text, '}'); i >= 0 {
			name, rest = text[:i+1], text[i+1:]
		} else if i := strings.IndexAny(text, " \t"); i >= 0 {
			name, rest = text[:i], text[i:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 || len(fields) > 2 {
			return nil, fmt.Errorf("metrics line %d: want a name and a value, got %q", line, text)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: %w", line, err)
		}
		m[name] = v
	}
	return m, sc.Err()
}

// Scrape reads url (the portal's /metrics) with client.
func Scrape(ctx context.Context, client *http.Client, url string) (Metrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape metrics: %s answered %s (is PORTAL_METRICS=true?)", url, resp.Status)
	}
	return ParseMetrics(resp.Body)
}

// Delta returns after[name] - m[name].
func (m Metrics) Delta(after Metrics, name string) float64 { return after[name] - m[name] }
