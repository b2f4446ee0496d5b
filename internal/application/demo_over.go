package application

import (
	"context"
	"fmt"
)

// demoOver are placements whose last day has passed but that are not
// closed yet: confirmed at the past elective, they wait for the student's
// report, the host's evaluation or the office's recognition (issue 16;
// wiring seeds the reports and evaluations of each step).
var demoOver = []demoCase{{1, Confirmed, 0}, {3, Confirmed, 0}, {6, Confirmed, 0}, {7, Confirmed, 0}}

// applyOver writes the demoOver placements, numbered from first, with
// the past elective's choice and dates.
func (d *demoSeed) applyOver(ctx context.Context, first int) error {
	d.over = true
	defer func() { d.over = false }()
	for k, c := range demoOver {
		if err := d.apply(ctx, first+k, c); err != nil {
			return fmt.Errorf("placement over %d: %w", k, err)
		}
	}
	return nil
}
