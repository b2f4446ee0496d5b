package bench

import (
	"strings"
	"testing"
)

func TestParseMetrics(t *testing.T) {
	text := `# HELP portal_http_requests_total HTTP requests served.
# TYPE portal_http_requests_total counter
portal_http_requests_total 1234
portal_db_queries_total 3702

go_memstats_heap_inuse_bytes 8.6016e+06
http_requests_total{code="200",path="/a b"} 7 1700000000000
`
	m, err := ParseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := Metrics{
		MetricRequests:                 1234,
		MetricQueries:                  3702,
		"go_memstats_heap_inuse_bytes": 8601600,
		`http_requests_total{code="200",path="/a b"}`: 7,
	}
	if len(m) != len(want) {
		t.Errorf("got %d samples %v, want %d", len(m), m, len(want))
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	after := Metrics{MetricRequests: 1300}
	if d := m.Delta(after, MetricRequests); d != 66 {
		t.Errorf("Delta = %v, want 66", d)
	}
}

func TestParseMetricsRefusesGarbage(t *testing.T) {
	for _, text := range []string{"portal_http_requests_total", "portal_http_requests_total many", "a 1 2 3"} {
		if _, err := ParseMetrics(strings.NewReader(text)); err == nil {
			t.Errorf("ParseMetrics(%q) succeeded, want an error", text)
		}
	}
}
