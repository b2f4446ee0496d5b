package bench

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReportRoundTripAndComparison(t *testing.T) {
	old := Report{Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Flags: map[string]string{"c": "32"}, Results: []Result{
		{Scenario: "home-student", RPS: 1000, P50Ms: 10, P99Ms: 40, QueriesPerRequest: 3, PeakRSSMB: 30},
		{Scenario: "gone", RPS: 1},
	}}
	path := filepath.Join(t.TempDir(), "sub", "old.json")
	if err := old.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	read, err := ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if !read.Timestamp.Equal(old.Timestamp) || len(read.Results) != 2 || read.Results[0].RPS != 1000 {
		t.Fatalf("read back %+v", read)
	}

	now := Report{Results: []Result{
		{Scenario: "healthz", RPS: 9000},
		{Scenario: "home-student", RPS: 1500, P50Ms: 8, P99Ms: 40, QueriesPerRequest: 3, PeakRSSMB: 33},
	}}
	var b strings.Builder
	if err := now.WriteComparison(&b, read); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"1000 → 1500 (+50.0%)", "10.00ms → 8.00ms (-20.0%)", "3.00 → 3.00 (+0.0%)"} {
		if !strings.Contains(out, want) {
			t.Errorf("comparison lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "healthz") || strings.Contains(out, "gone") {
		t.Errorf("comparison shows a scenario not in both runs:\n%s", out)
	}
}

func TestWriteTableAlignsColumns(t *testing.T) {
	r := Report{Results: []Result{{Scenario: "healthz", RPS: 12345.6, P50Ms: 0.5, P99Ms: 12.25, PeakRSSMB: 20}}}
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want header, rule and one row:\n%s", b.String())
	}
	for _, l := range lines[1:] {
		if len([]rune(l)) != len([]rune(lines[0])) {
			t.Errorf("ragged table:\n%s", b.String())
		}
	}
	if !strings.Contains(lines[2], "12346") || !strings.Contains(lines[2], "0.50ms") || !strings.Contains(lines[2], "12.2ms") {
		t.Errorf("row %q", lines[2])
	}
}

func TestPerRequest(t *testing.T) {
	before := map[string]TableActivity{"sessions": {IdxScans: 10}, "users": {IdxScans: 5}}
	after := map[string]TableActivity{"sessions": {IdxScans: 110, Writes: 2}, "users": {IdxScans: 5}, "user_roles": {IdxScans: 100}}
	got := PerRequest(before, after, 100)
	if len(got) != 2 || got["sessions"] != (TablePerRequest{IdxScans: 1, Writes: 0.02}) || got["user_roles"].IdxScans != 1 {
		t.Errorf("PerRequest = %+v", got)
	}
}

func TestYardsticks(t *testing.T) {
	r := Report{Results: []Result{
		{Scenario: "review-queue", RPS: 600, P50Ms: 40},
		{Scenario: "review-queue-bare", RPS: 1000, P50Ms: 20},
		{Scenario: "review-queue-at-scale", RPS: 300},
		{Scenario: "review-queue-bare-at-scale", RPS: 1000},
		{Scenario: "healthz", RPS: 20000},
	}}
	got := r.Yardsticks()
	if len(got) != 2 || !strings.HasPrefix(got[0], "review-queue serves 0.60 of the rate of review-queue-bare") ||
		!strings.HasPrefix(got[1], "review-queue-at-scale serves 0.30 of the rate of review-queue-bare-at-scale") {
		t.Errorf("yardsticks %q", got)
	}
}
