package application

import (
	"context"
	"fmt"
	"time"

	"portal/internal/catalog"
)

// demoOver are placements whose last day has passed but that are not
// closed yet: confirmed at later periods of the past elective, they wait
// for the student's report, the host's evaluation or the office's
// recognition (issue 16; wiring seeds the reports and evaluations of each
// step). They go to the students who already hold a completed placement
// (the demo student and the ninth), so that no other student's standing
// in the demo's selection rounds changes; each period is its own, as a
// student is in one place at a time.
var demoOver = []struct {
	who   int
	ended int // days ago
}{{0, 173}, {8, 173}, {0, 33}}

// applyOver writes the demoOver placements, numbered from first.
func (d *demoSeed) applyOver(ctx context.Context, first int) error {
	past := d.past
	d.over = true
	defer func() { d.past, d.over = past, false }()
	periods := map[int]demoSlot{}
	for k, o := range demoOver {
		sl, ok := periods[o.ended]
		if !ok {
			start := d.now.AddDate(0, 0, -o.ended-27)
			p, err := d.cat.AddPeriod(ctx, past.e.ID, catalog.PeriodInput{StartsOn: start.Format(time.DateOnly),
				EndsOn: d.now.AddDate(0, 0, -o.ended).Format(time.DateOnly), Capacity: "3"})
			if err != nil {
				return fmt.Errorf("placement over %d: %w", k, err)
			}
			sl = demoSlot{past.e, *p}
			periods[o.ended] = sl
		}
		d.past = sl
		if err := d.apply(ctx, first+k, demoCase{o.who, Confirmed, 0}); err != nil {
			return fmt.Errorf("placement over %d: %w", k, err)
		}
	}
	return nil
}
