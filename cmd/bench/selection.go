package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"syscall"
	"time"

	"portal/internal/bench"
	"portal/internal/selection/match"
)

// selectionRound is one figure of the selection engine (issue 14): dry
// runs of a synthetic round (match.Synthetic) in the bench process, with
// no database, so the figure is the engine's alone. The rounds need no
// portal: `-run selection` measures only them, in seconds.
type selectionRound struct {
	name                         string
	applicants, choices, periods int
	limit                        time.Duration // the bound on one dry run; a run over it counts as an error
}

var selectionRounds = []selectionRound{
	{"selection-dry-run-5000", 5000, 3, 600, time.Second},
	{"selection-dry-run-50000", 50000, 3, 6000, 10 * time.Second},
}

// selectionRuns is how long, and how many times at least and at most,
// each round runs.
const (
	selectionFor     = 2 * time.Second
	selectionMinRuns = 5
	selectionMaxRuns = 200
)

func selectedSelectionRounds(filter *regexp.Regexp) []selectionRound {
	var out []selectionRound
	for _, r := range selectionRounds {
		if filter.MatchString(r.name) {
			out = append(out, r)
		}
	}
	return out
}

// runSelection measures each round: one run to warm up, then runs for
// selectionFor (within the run counts). A result's RPS is dry runs per
// second and its latencies are those of one dry run.
func runSelection(ctx context.Context, seed uint64, rounds []selectionRound, logf func(string, ...any)) ([]bench.Result, error) {
	var results []bench.Result
	perApplicant := map[string]time.Duration{}
	for _, r := range rounds {
		as, ss := match.Synthetic(r.applicants, r.choices, r.periods, seed)
		warm := match.Run(as, ss)
		var took []time.Duration
		start, cpu0 := time.Now(), cpuTime()
		for len(took) < selectionMinRuns || (time.Since(start) < selectionFor && len(took) < selectionMaxRuns) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			t0 := time.Now()
			match.Run(as, ss)
			took = append(took, time.Since(t0))
		}
		total, cpu := time.Since(start), (cpuTime()-cpu0)/time.Duration(len(took))
		slices.Sort(took)
		res := bench.Result{
			Scenario: r.name, Connections: 1, Seconds: total.Seconds(), Requests: len(took),
			RPS:   float64(len(took)) / total.Seconds(),
			P50Ms: msOf(took[len(took)/2]), P99Ms: msOf(took[(len(took)*99)/100]), MaxMs: msOf(took[len(took)-1]),
		}
		for _, d := range took {
			if d > r.limit {
				res.Errors++
			}
		}
		if res.Errors > 0 {
			res.FirstError = fmt.Sprintf("%d of %d dry runs took over %s", res.Errors, len(took), r.limit)
		}
		p50 := took[len(took)/2]
		// The growth is judged on CPU time: on a shared machine the wall
		// clock says more about the neighbours than about the engine.
		perApplicant[r.name] = cpu / time.Duration(r.applicants)
		logf("%s: %d applicants, %d choices each, %d periods: dry run %s (p50 of %d; limit %s), %s of CPU, %s per applicant; placed at choice 1, 2, 3: %d, %d, %d; unplaced %d",
			r.name, r.applicants, r.choices, r.periods, p50.Round(time.Microsecond), len(took), r.limit,
			cpu.Round(time.Microsecond), perApplicant[r.name], warm.PlacedAt[1], warm.PlacedAt[2], warm.PlacedAt[3], warm.PlacedAt[0])
		results = append(results, res)
	}
	if len(rounds) > 1 {
		first, last := rounds[0], rounds[len(rounds)-1]
		if a, b := perApplicant[first.name], perApplicant[last.name]; a > 0 {
			logf("selection: the CPU time per applicant grows %.2f× from %d to %d applicants (1.00 is linear)",
				float64(b)/float64(a), first.applicants, last.applicants)
		}
	}
	return results, nil
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuTime is the CPU time (user and system) the bench process has used,
// its garbage collector included; zero where the system does not say.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
