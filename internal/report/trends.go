package report

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"portal/internal/user"
)

// Trend is one key figure of the office's home: a count per month of the
// current year and of the year before (in the portal's zone), the year's
// total so far and last year's total to the same day.
type Trend struct {
	Key                string // applications, placements, incoming
	ThisYear, LastYear [12]int
	Months             int // the months of this year so far (1-12)
	ToDate, LastToDate int
	Year               int
	DrillDown          string // where the figure's list is
}

// trendSources are the key figures: the table and the instant column
// whose month counts. Each is one range scan over two years of rows.
var trendSources = []struct{ key, table, column, where, link string }{
	{"applications", "applications", "submitted_at", "direction = 'outgoing'", "/review"},
	{"placements", "applications", "confirmed_at", "direction = 'outgoing'", "/review?stage=confirmed"},
	{"incoming", "rotation_requests", "submitted_at", "1 = 1", "/calendar/requests"},
}

// trendTTL is how long the home's figures are reused: they count months,
// and every member of the office opens home many times a day, so a few
// minutes old is as good as new and spares two years of rows per visit.
const trendTTL = 5 * time.Minute

// trendCache is the last figures computed and when, by the service's clock.
type trendCache struct {
	mu sync.Mutex
	at time.Time
	v  []Trend
}

// Trends are the office's key figures of the current year with last
// year's beside them, for the home page. Each figure is one aggregate of
// 25 sums (a month each, and last year to date) with bounds computed here
// in the portal's zone, so both dialects count the same months.
func (s *Service) Trends(ctx context.Context, u *user.User) ([]Trend, error) {
	if err := s.allow(u); err != nil {
		return nil, err
	}
	now := s.now()
	s.trends.mu.Lock()
	defer s.trends.mu.Unlock()
	if s.trends.v != nil && !now.Before(s.trends.at) && now.Sub(s.trends.at) < trendTTL {
		return s.trends.v, nil
	}
	year := s.zone.In(now).Year()
	loc := s.zone.Location()
	month := func(y, m int) time.Time { return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, loc).UTC() }
	lastNow := s.zone.In(now).AddDate(-1, 0, 0).UTC()
	var out []Trend
	for _, src := range trendSources {
		var cols []string
		var args []any
		for _, y := range []int{year - 1, year} {
			for m := 1; m <= 12; m++ {
				cols = append(cols, fmt.Sprintf("SUM(CASE WHEN %s >= ? AND %s < ? THEN 1 ELSE 0 END) AS m%d_%d", src.column, src.column, y-year+1, m))
				args = append(args, month(y, m), month(y, m+1))
			}
		}
		cols = append(cols, fmt.Sprintf("SUM(CASE WHEN %s < ? THEN 1 ELSE 0 END) AS last_to_date", src.column))
		args = append(args, lastNow)
		row := map[string]any{}
		err := s.read(ctx).Table(src.table).Select(strings.Join(cols, ", "), args...).
			Where(src.where).Where(src.column+" >= ? AND "+src.column+" < ?", month(year-1, 1), month(year+1, 1)).
			Take(&row).Error
		if err != nil {
			return nil, wrap(err, "trend "+src.key)
		}
		t := Trend{Key: src.key, Year: year, Months: int(s.zone.In(now).Month()), DrillDown: src.link, LastToDate: toInt(row["last_to_date"])}
		for m := 1; m <= 12; m++ {
			t.LastYear[m-1] = toInt(row[fmt.Sprintf("m0_%d", m)])
			t.ThisYear[m-1] = toInt(row[fmt.Sprintf("m1_%d", m)])
			t.ToDate += t.ThisYear[m-1]
		}
		out = append(out, t)
	}
	s.trends.at, s.trends.v = now, out
	return out, nil
}

// toInt reads a SUM of either driver: an integer, a numeric's text, or
// NULL over no rows.
func toInt(v any) int {
	switch n := v.(type) {
	case int64:
		return int(n)
	case int32:
		return int(n)
	case int:
		return n
	case float64:
		return int(n)
	case []byte:
		var i int
		fmt.Sscan(string(n), &i)
		return i
	case string:
		var i int
		fmt.Sscan(n, &i)
		return i
	}
	return 0
}
