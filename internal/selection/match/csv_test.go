package match

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestABadRoundFileIsRefusedNamingItsLineColumnAndProblem(t *testing.T) {
	const applicants = "applicant_id,score,priority_class,tiebreak\n1,88.1,1,5\n2,90,1,6\n"
	const seats = "period_id,capacity_left,agreement_id,quota_left\n10,2,,\n"
	const choices = "applicant_id,rank,period_id,eligible,ineligible_reason\n"
	for _, tc := range []struct {
		name, applicants, choices, seats string
		want                             CSVError
	}{
		{"a column renamed", "id,score,priority_class,tiebreak\n", choices, seats, CSVError{File: ApplicantsFile, Line: 1, Column: "applicant_id", Problem: "header"}},
		{"a score that is not a number", applicants + "3,eighty,1,7\n", choices, seats, CSVError{File: ApplicantsFile, Line: 4, Column: "score", Problem: "number"}},
		{"a score that is not finite", applicants + "3,NaN,1,7\n", choices, seats, CSVError{File: ApplicantsFile, Line: 4, Column: "score", Problem: "number"}},
		{"an applicant twice", applicants + "2,70,1,7\n", choices, seats, CSVError{File: ApplicantsFile, Line: 4, Column: "applicant_id", Problem: "duplicate"}},
		{"a short row", applicants + "3,70,1\n", choices, seats, CSVError{File: ApplicantsFile, Line: 4, Problem: "columns"}},
		{"a choice of nobody", applicants, choices + "9,1,10,true,\n", seats, CSVError{File: ChoicesFile, Line: 2, Column: "applicant_id", Problem: "unknown_applicant"}},
		{"a rank of 0", applicants, choices + "1,0,10,true,\n", seats, CSVError{File: ChoicesFile, Line: 2, Column: "rank", Problem: "range"}},
		{"one rank twice", applicants, choices + "1,1,10,true,\n1,1,11,true,\n", seats, CSVError{File: ChoicesFile, Line: 3, Column: "rank", Problem: "duplicate"}},
		{"eligible neither true nor false", applicants, choices + "1,1,10,maybe,\n", seats, CSVError{File: ChoicesFile, Line: 2, Column: "eligible", Problem: "number"}},
		{"a period twice", applicants, choices, seats + "10,1,0,0\n", CSVError{File: SeatsFile, Line: 3, Column: "period_id", Problem: "duplicate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadInputs(strings.NewReader(tc.applicants), strings.NewReader(tc.choices), strings.NewReader(tc.seats))
			var ce *CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *CSVError", err)
			}
			got := *ce
			got.Err = nil
			if got != tc.want {
				t.Fatalf("error %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestASpreadsheetsFilesReadToo(t *testing.T) {
	// A byte-order mark, CRLF line ends, spaces, 1/0 for true/false, no
	// ineligible_reason column, and empty agreement and quota cells.
	as, ss, err := ReadInputs(
		strings.NewReader("\ufeffapplicant_id,score,priority_class,tiebreak\r\n1, 88.1 ,1,5\r\n"),
		strings.NewReader("applicant_id,rank,period_id,eligible\r\n1,2,11,0\r\n1,1,10,1\r\n"),
		strings.NewReader("period_id,capacity_left,agreement_id,quota_left\r\n10,2,,\r\n11,1,3,1\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Applicant{ID: 1, Score: 88.1, Class: 1, Tiebreak: 5, Choices: []Choice{{Rank: 2, PeriodID: 11}, {Rank: 1, PeriodID: 10, Eligible: true}}}
	if len(as) != 1 || as[0].Score != want.Score || len(as[0].Choices) != 2 || as[0].Choices[0] != want.Choices[0] || as[0].Choices[1] != want.Choices[1] {
		t.Fatalf("applicants %+v", as)
	}
	if len(ss) != 2 || ss[0] != (Seat{PeriodID: 10, CapacityLeft: 2}) || ss[1] != (Seat{PeriodID: 11, CapacityLeft: 1, AgreementID: 3, QuotaLeft: 1}) {
		t.Fatalf("seats %+v", ss)
	}
	var out bytes.Buffer
	if err := WriteResult(&out, Run(as, ss)); err != nil {
		t.Fatal(err)
	}
	if want := "applicant_id,rank_given,period_id,cutoff_score,reason\n1,1,10,88.1,\n"; out.String() != want {
		t.Fatalf("result.csv %q", out.String())
	}
}

// FuzzReadInputs: whatever the files hold, reading them never panics, and
// files that read write back to files that read the same.
func FuzzReadInputs(f *testing.F) {
	f.Add("applicant_id,score,priority_class,tiebreak\n1,88.1,1,5\n", "applicant_id,rank,period_id,eligible,ineligible_reason\n1,1,10,false,language\n", "period_id,capacity_left,agreement_id,quota_left\n10,2,3,1\n")
	f.Add("applicant_id,score,priority_class,tiebreak\n1,1e3,2,0\n2,-0,1,18446744073709551615\n", "applicant_id,rank,period_id,eligible\n2,1,10,1\n", "period_id,capacity_left,agreement_id,quota_left\n10,-1,,\n")
	f.Fuzz(func(t *testing.T, a, c, s string) {
		as, ss, err := ReadInputs(strings.NewReader(a), strings.NewReader(c), strings.NewReader(s))
		if err != nil {
			return
		}
		Run(as, ss)
		var ab, cb, sb bytes.Buffer
		if err := WriteInputs(&ab, &cb, &sb, as, ss); err != nil {
			t.Fatal(err)
		}
		as2, ss2, err := ReadInputs(&ab, &cb, &sb)
		if err != nil {
			t.Fatalf("written files do not read: %v", err)
		}
		var r1, r2 bytes.Buffer
		_ = WriteResult(&r1, Run(as, ss))
		_ = WriteResult(&r2, Run(as2, ss2))
		if r1.String() != r2.String() {
			t.Fatalf("the rewritten files give another result")
		}
	})
}
