package match

import (
	"bytes"
	"reflect"
	"testing"
)

func TestHigherScoreGetsTheSeatAndTheLowerOneIsToldWhoTookIt(t *testing.T) {
	const kumamoto, leiden = 10, 20
	applicants := []Applicant{
		{ID: 1, Score: 88.1, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: kumamoto, Eligible: true}, {Rank: 2, PeriodID: leiden, Eligible: true}}},
		{ID: 2, Score: 91.2, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: kumamoto, Eligible: true}}},
		{ID: 3, Score: 89.5, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: kumamoto, Eligible: true}}},
		{ID: 4, Score: 99, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: kumamoto, Eligible: false, Ineligible: "language"}, {Rank: 2, PeriodID: leiden, Eligible: true}}},
	}
	seats := []Seat{{PeriodID: kumamoto, CapacityLeft: 2}, {PeriodID: leiden, CapacityLeft: 5}}
	r := Run(applicants, seats)

	wantOrder := []int64{4, 2, 3, 1}
	for i, o := range r.Outcomes {
		if o.ApplicantID != wantOrder[i] {
			t.Fatalf("service order %d = %d, want %d", i, o.ApplicantID, wantOrder[i])
		}
	}
	got := r.Outcomes[3]
	if got.RankGiven != 2 || got.PeriodID != leiden {
		t.Fatalf("applicant 1 placed at rank %d period %d, want 2 at %d", got.RankGiven, got.PeriodID, leiden)
	}
	want := []Skip{{Rank: 1, PeriodID: kumamoto, Reason: ReasonFull, TakenBy: []float64{91.2, 89.5}}}
	if !reflect.DeepEqual(got.Skipped, want) {
		t.Fatalf("applicant 1 skipped %+v, want %+v", got.Skipped, want)
	}
	if s := r.Outcomes[0].Skipped; len(s) != 1 || s[0].Reason != "ineligible:language" {
		t.Fatalf("applicant 4 skipped %+v, want ineligible:language", s)
	}
	if r.Cutoff[kumamoto] != 89.5 || r.Cutoff[leiden] != 88.1 {
		t.Fatalf("cutoffs %v", r.Cutoff)
	}
	if r.SeatsLeft[kumamoto] != 0 || r.SeatsLeft[leiden] != 3 {
		t.Fatalf("seats left %v", r.SeatsLeft)
	}
	if r.PlacedAt[0] != 0 || r.PlacedAt[1] != 2 || r.PlacedAt[2] != 2 || r.PlacedAt[3] != 0 {
		t.Fatalf("placed at %v", r.PlacedAt)
	}

	var buf bytes.Buffer
	if err := WriteResult(&buf, r); err != nil {
		t.Fatal(err)
	}
	wantCSV := "applicant_id,rank_given,period_id,cutoff_score,reason\n" +
		"4,2,20,88.1,1:ineligible:language\n" +
		"2,1,10,89.5,\n" +
		"3,1,10,89.5,\n" +
		"1,2,20,88.1,1:full\n"
	if buf.String() != wantCSV {
		t.Fatalf("result.csv:\n%s\nwant:\n%s", buf.String(), wantCSV)
	}
}

func TestAnAgreementsQuotaIsSharedByItsPeriods(t *testing.T) {
	applicants := []Applicant{
		{ID: 1, Score: 90, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: 1, Eligible: true}}},
		{ID: 2, Score: 80, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: 2, Eligible: true}, {Rank: 2, PeriodID: 3, Eligible: true}}},
		{ID: 3, Score: 70, Class: 2, Choices: []Choice{{Rank: 1, PeriodID: 3, Eligible: true}}},
	}
	seats := []Seat{{PeriodID: 1, CapacityLeft: 3, AgreementID: 7, QuotaLeft: 1}, {PeriodID: 2, CapacityLeft: 3, AgreementID: 7, QuotaLeft: 1}, {PeriodID: 3, CapacityLeft: 1}}
	r := Run(applicants, seats)
	if o := r.Outcomes[1]; o.PeriodID != 3 || len(o.Skipped) != 1 || o.Skipped[0].Reason != ReasonQuota || !reflect.DeepEqual(o.Skipped[0].TakenBy, []float64{90}) {
		t.Fatalf("applicant 2: %+v", o)
	}
	if o := r.Outcomes[2]; o.RankGiven != 0 || o.Skipped[0].Reason != ReasonFull {
		t.Fatalf("applicant 3 (class 2, served last): %+v", o)
	}
	if r.PlacedAt[0] != 1 {
		t.Fatalf("placed at %v", r.PlacedAt)
	}
}

func TestAClassOneStudentIsServedBeforeAHigherScoredClassTwoStudent(t *testing.T) {
	applicants := []Applicant{
		{ID: 1, Score: 99, Class: 2, Choices: []Choice{{Rank: 1, PeriodID: 1, Eligible: true}}},
		{ID: 2, Score: 60, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: 1, Eligible: true}}},
	}
	r := Run(applicants, []Seat{{PeriodID: 1, CapacityLeft: 1}})
	if r.Outcomes[0].ApplicantID != 2 || r.Outcomes[0].PeriodID != 1 || r.Outcomes[1].RankGiven != 0 {
		t.Fatalf("outcomes %+v", r.Outcomes)
	}
}

func TestTheLotteryIsTheDocumentedHash(t *testing.T) {
	// Computed independently with Python's hashlib (see Lottery's comment).
	if got := Draw(42, 7); got != 8219891749075198927 {
		t.Fatalf("Draw(42, 7) = %d", got)
	}
	if got := Lottery(-1, []int64{123456789}); got[123456789] != 8358375305771465500 {
		t.Fatalf("Lottery(-1) = %v", got)
	}
}

func TestPublishedTieBreakKeysComeBeforeTheLottery(t *testing.T) {
	// Applicants 1 and 2 tie on score; 1 has the better grade average (the
	// first published key), so 1 goes first whatever the lottery says. 3
	// and 4 tie on every key: the lottery decides.
	tb := Tiebreaks(7, []TieKeys{{ID: 2, Keys: []float64{3.1}}, {ID: 1, Keys: []float64{3.8}}, {ID: 3, Keys: []float64{3.5, 80}}, {ID: 4, Keys: []float64{3.5, 80}}})
	if tb[1] != 1 || tb[2] != 4 {
		t.Fatalf("tiebreaks %v", tb)
	}
	if first, second := int64(3), int64(4); Draw(7, 4) < Draw(7, 3) {
		if tb[second] != 2 || tb[first] != 3 {
			t.Fatalf("tiebreaks %v: the lottery should put 4 before 3", tb)
		}
	} else if tb[first] != 2 || tb[second] != 3 {
		t.Fatalf("tiebreaks %v: the lottery should put 3 before 4", tb)
	}
	// Without keys, the positions follow the draws.
	ids := []int64{10, 11, 12, 13, 14}
	draws, pos := Lottery(3, ids), Tiebreaks(3, []TieKeys{{ID: 10}, {ID: 11}, {ID: 12}, {ID: 13}, {ID: 14}})
	for _, x := range ids {
		for _, y := range ids {
			if (draws[x] < draws[y]) != (pos[x] < pos[y]) {
				t.Fatalf("without keys, %d and %d are ordered unlike their draws", x, y)
			}
		}
	}
}

func TestARoundWithMoreThanThreeChoicesCountsEveryRank(t *testing.T) {
	var choices []Choice
	for r := 1; r <= 5; r++ {
		choices = append(choices, Choice{Rank: r, PeriodID: int64(r), Eligible: true})
	}
	seats := []Seat{{PeriodID: 1}, {PeriodID: 2}, {PeriodID: 3}, {PeriodID: 4}, {PeriodID: 5, CapacityLeft: 1}}
	r := Run([]Applicant{{ID: 1, Class: 1, Choices: choices}, {ID: 2, Class: 1, Choices: choices}}, seats)
	if len(r.PlacedAt) != 6 || r.PlacedAt[5] != 1 || r.PlacedAt[0] != 1 {
		t.Fatalf("placed at %v, want one at choice 5 and one unplaced", r.PlacedAt)
	}
}

func TestNewSeedDrawsAFreshSeedEachTime(t *testing.T) {
	a, err := NewSeed()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSeed()
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("two seeds are both %d", a)
	}
}
