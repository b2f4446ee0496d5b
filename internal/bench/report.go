package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Report is one benchmark run as written to its JSON file: what was run
// and on what, and a result per scenario, so that two runs can be compared.
type Report struct {
	Timestamp time.Time         `json:"timestamp"`
	GoVersion string            `json:"go_version"`
	OS        string            `json:"os"`
	CPUs      int               `json:"cpus"`
	GitCommit string            `json:"git_commit,omitempty"`
	Flags     map[string]string `json:"flags"`
	Results   []Result          `json:"results"`
}

// Result is what one scenario measured.
type Result struct {
	Scenario string `json:"scenario"`
	// Connections and Seconds are the load it ran under: the run's -c and
	// -d, unless the scenario sets its own.
	Connections int     `json:"connections"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
	RPS         float64 `json:"rps"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	// QueriesPerRequest is the growth of portal_db_queries_total over that
	// of portal_http_requests_total in the measured period.
	QueriesPerRequest float64 `json:"queries_per_request"`
	// DBWaitsPerRequest counts waits for a free pooled connection.
	DBWaitsPerRequest float64 `json:"db_waits_per_request"`
	PeakRSSMB         float64 `json:"peak_rss_mb"`    // VmHWM after the scenario
	CurrentRSSMB      float64 `json:"current_rss_mb"` // VmRSS after the scenario
	// PeakReset says whether the peak was reset before the scenario, making
	// it the scenario's own; when false it is the peak since the start.
	PeakReset bool `json:"peak_rss_reset"`
	// StartRSSMB is VmRSS when the peak was reset, which the peak cannot be
	// below: what earlier scenarios left resident (Go returns freed memory
	// to the system only slowly) counts in it. The peak minus this is what
	// the scenario added.
	StartRSSMB float64 `json:"start_rss_mb"`
	// Tables is PostgreSQL's account of the scenario per HTTP request
	// (warm-up included): which tables each request scanned or wrote. It
	// runs about a tenth low, as PostgreSQL reports a busy backend's last
	// second of statistics only later; it tells which tables, not how much.
	Tables map[string]TablePerRequest `json:"tables,omitempty"`
}

// TablePerRequest is TableActivity divided by the requests served.
type TablePerRequest struct {
	SeqScans float64 `json:"seq_scans"`
	IdxScans float64 `json:"idx_scans"`
	Writes   float64 `json:"writes"`
}

// NewResult fills a Result from a load outcome.
func NewResult(scenario string, o Outcome) Result {
	return Result{
		Scenario: scenario, Seconds: o.Seconds, Requests: o.Requests, Errors: o.Errors, FirstError: o.FirstError,
		RPS: o.RPS, P50Ms: ms(o.P50), P99Ms: ms(o.P99), MaxMs: ms(o.Max),
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// MB converts bytes to mebibytes.
func MB(b int64) float64 { return float64(b) / (1 << 20) }

// PerRequest divides the growth of each table's activity from before to
// after by requests, leaving out tables nothing happened to.
func PerRequest(before, after map[string]TableActivity, requests float64) map[string]TablePerRequest {
	out := map[string]TablePerRequest{}
	if requests <= 0 {
		return out
	}
	for name, a := range after {
		b := before[name]
		d := TablePerRequest{
			SeqScans: float64(a.SeqScans-b.SeqScans) / requests,
			IdxScans: float64(a.IdxScans-b.IdxScans) / requests,
			Writes:   float64(a.Writes-b.Writes) / requests,
		}
		if d != (TablePerRequest{}) {
			out[name] = d
		}
	}
	return out
}

// WriteJSON writes r to path, creating its directory.
func (r Report) WriteJSON(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// ReadReport reads a report written by WriteJSON.
func ReadReport(path string) (Report, error) {
	var r Report
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// WriteTable prints the results as one Markdown table, which reads well
// in a terminal and pastes into an issue.
func (r Report) WriteTable(w io.Writer) error {
	rows := [][]string{{"scenario", "req/s", "p50", "p99", "errors", "queries/req", "peak RSS MB"}}
	for _, x := range r.Results {
		rows = append(rows, []string{
			x.Scenario, fmt.Sprintf("%.0f", x.RPS), fmtMs(x.P50Ms), fmtMs(x.P99Ms),
			fmt.Sprint(x.Errors), fmt.Sprintf("%.2f", x.QueriesPerRequest), fmt.Sprintf("%.1f", x.PeakRSSMB),
		})
	}
	return writeMarkdown(w, rows)
}

// WriteComparison prints, per scenario present in both, how this run
// differs from old.
func (r Report) WriteComparison(w io.Writer, old Report) error {
	prev := map[string]Result{}
	for _, x := range old.Results {
		prev[x.Scenario] = x
	}
	rows := [][]string{{"scenario", "req/s", "p50", "p99", "errors", "queries/req", "peak RSS MB"}}
	for _, x := range r.Results {
		o, ok := prev[x.Scenario]
		if !ok {
			continue
		}
		rows = append(rows, []string{
			x.Scenario,
			change(o.RPS, x.RPS, "%.0f"),
			change(o.P50Ms, x.P50Ms, "%.2fms"),
			change(o.P99Ms, x.P99Ms, "%.2fms"),
			fmt.Sprintf("%d → %d", o.Errors, x.Errors),
			change(o.QueriesPerRequest, x.QueriesPerRequest, "%.2f"),
			change(o.PeakRSSMB, x.PeakRSSMB, "%.1f"),
		})
	}
	if len(rows) == 1 {
		_, err := fmt.Fprintln(w, "no scenario in common with the earlier run")
		return err
	}
	return writeMarkdown(w, rows)
}

// change reads "old → new (+x%)".
func change(old, new float64, format string) string {
	s := fmt.Sprintf(format+" → "+format, old, new)
	if old != 0 {
		s += fmt.Sprintf(" (%+.1f%%)", (new-old)/old*100)
	}
	return s
}

// fmtMs shows a latency with the precision that matters at its size.
func fmtMs(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.2fms", v)
	}
	return fmt.Sprintf("%.1fms", v)
}

// writeMarkdown prints rows (the first is the header) as a Markdown table
// with padded columns; all but the first column are right-aligned.
func writeMarkdown(w io.Writer, rows [][]string) error {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i, cell := range cells {
			pad := strings.Repeat(" ", widths[i]-len([]rune(cell)))
			if i == 0 {
				fmt.Fprintf(&b, "| %s%s ", cell, pad)
			} else {
				fmt.Fprintf(&b, "| %s%s ", pad, cell)
			}
		}
		b.WriteString("|\n")
	}
	line(rows[0])
	for i, wd := range widths {
		if i == 0 {
			fmt.Fprintf(&b, "|%s", strings.Repeat("-", wd+2))
		} else {
			fmt.Fprintf(&b, "|%s:", strings.Repeat("-", wd+1))
		}
	}
	b.WriteString("|\n")
	for _, row := range rows[1:] {
		line(row)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// bareSuffix marks a yardstick scenario: "x-bare" measures the least that
// scenario "x" could cost, and "x-bare-y" that of "x-y".
const bareSuffix = "-bare"

// Yardsticks compares each scenario with its yardstick, if it has one:
// the share of the yardstick's rate the real page serves.
func (r Report) Yardsticks() []string {
	byName := map[string]Result{}
	for _, res := range r.Results {
		byName[res.Scenario] = res
	}
	var out []string
	for _, res := range r.Results {
		base, rest, ok := strings.Cut(res.Scenario, bareSuffix)
		if !ok {
			continue
		}
		page, ok := byName[base+rest]
		if !ok || res.RPS == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s serves %.2f of the rate of %s (%.0f vs %.0f req/s; p50 %.1f vs %.1f ms)",
			page.Scenario, page.RPS/res.RPS, res.Scenario, page.RPS, res.RPS, page.P50Ms, res.P50Ms))
	}
	return out
}
