package main

import (
	"context"
	"regexp"
	"testing"
)

// `-run selection` selects the engine's two figures, the sizes,
// and measuring a small round gives a result per round with its runs and
// no error.
func TestSelectionRoundsMeasureTheEnginesDryRun(t *testing.T) {
	got := selectedSelectionRounds(regexp.MustCompile("selection"))
	if len(got) != 2 || got[0].applicants != 5000 || got[0].periods != 600 || got[1].applicants != 50000 {
		t.Fatalf("selection rounds %+v", got)
	}
	if n := len(selectedSelectionRounds(regexp.MustCompile("review-queue"))); n != 0 {
		t.Fatalf("-run review-queue selects %d selection rounds", n)
	}
	res, err := runSelection(context.Background(), 1, []selectionRound{{"small", 300, 3, 40, 1 << 62}}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Scenario != "small" || res[0].Requests < selectionMinRuns || res[0].Errors != 0 || res[0].P50Ms <= 0 {
		t.Fatalf("results %+v", res)
	}
}
