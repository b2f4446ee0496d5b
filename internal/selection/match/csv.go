package match

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// The round's files, so anyone can check a result independently: three
// inputs and the outcome. Numbers are written with strconv ('f', -1 for
// scores), so a file written twice from the same round is the same bytes.
var (
	applicantsHeader = []string{"applicant_id", "score", "priority_class", "tiebreak"}
	choicesHeader    = []string{"applicant_id", "rank", "period_id", "eligible", "ineligible_reason"}
	seatsHeader      = []string{"period_id", "capacity_left", "agreement_id", "quota_left"}
	resultHeader     = []string{"applicant_id", "rank_given", "period_id", "cutoff_score", "reason"}
)

// The file names the round page offers.
const (
	ApplicantsFile = "applicants.csv"
	ChoicesFile    = "choices.csv"
	SeatsFile      = "seats.csv"
	ResultFile     = "result.csv"
)

// CSVError says which file, line and column of a round file is wrong, as
// codes the caller words: Problem is one of "header" (not the file's
// columns), "columns" (a row with too few or too many), "number" (not a
// number, or not true/false), "range" (a rank below 1), "duplicate" (an
// applicant, a period, or an applicant's rank twice), "unknown_applicant"
// (a choice of an applicant not in applicants.csv) and "read" (not CSV).
type CSVError struct {
	File    string
	Line    int // 1-based, the header is line 1; 0 when the file could not be read at all
	Column  string
	Problem string
	Err     error
}

func (e *CSVError) Error() string {
	msg := fmt.Sprintf("%s line %d", e.File, e.Line)
	if e.Column != "" {
		msg += " column " + e.Column
	}
	msg += ": " + e.Problem
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *CSVError) Unwrap() error { return e.Err }

func formatScore(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func writeAll(w io.Writer, header []string, rows func(emit func(...string)) error) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	var werr error
	emit := func(rec ...string) {
		if werr == nil {
			werr = cw.Write(rec)
		}
	}
	if err := rows(emit); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	cw.Flush()
	return cw.Error()
}

// WriteApplicants writes applicants.csv, one row per applicant in the given order.
func WriteApplicants(w io.Writer, applicants []Applicant) error {
	return writeAll(w, applicantsHeader, func(emit func(...string)) error {
		for _, a := range applicants {
			emit(strconv.FormatInt(a.ID, 10), formatScore(a.Score), strconv.Itoa(a.Class), strconv.FormatUint(a.Tiebreak, 10))
		}
		return nil
	})
}

// WriteChoices writes choices.csv, each applicant's choices in the given order.
func WriteChoices(w io.Writer, applicants []Applicant) error {
	return writeAll(w, choicesHeader, func(emit func(...string)) error {
		for _, a := range applicants {
			for _, c := range a.Choices {
				emit(strconv.FormatInt(a.ID, 10), strconv.Itoa(c.Rank), strconv.FormatInt(c.PeriodID, 10), strconv.FormatBool(c.Eligible), c.Ineligible)
			}
		}
		return nil
	})
}

// WriteSeats writes seats.csv in the given order.
func WriteSeats(w io.Writer, seats []Seat) error {
	return writeAll(w, seatsHeader, func(emit func(...string)) error {
		for _, s := range seats {
			emit(strconv.FormatInt(s.PeriodID, 10), strconv.Itoa(s.CapacityLeft), strconv.FormatInt(s.AgreementID, 10), strconv.Itoa(s.QuotaLeft))
		}
		return nil
	})
}

// WriteInputs writes the three input files of a round.
func WriteInputs(applicants, choices, seats io.Writer, as []Applicant, ss []Seat) error {
	return errors.Join(WriteApplicants(applicants, as), WriteChoices(choices, as), WriteSeats(seats, ss))
}

// ResultReason is the reason column of result.csv: each skipped choice as
// "rank:reason", joined by ";" ("1:full;2:ineligible:language"); empty when
// the first choice was given.
func ResultReason(skipped []Skip) string {
	var b strings.Builder
	for i, s := range skipped {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(strconv.Itoa(s.Rank))
		b.WriteByte(':')
		b.WriteString(s.Reason)
	}
	return b.String()
}

// WriteResult writes result.csv, one row per applicant in service order:
// rank_given, period_id and cutoff_score (the placed period's cutoff) are
// empty for an unplaced applicant.
func WriteResult(w io.Writer, r Result) error {
	return writeAll(w, resultHeader, func(emit func(...string)) error {
		for _, o := range r.Outcomes {
			rank, period, cutoff := "", "", ""
			if o.RankGiven != 0 {
				rank = strconv.Itoa(o.RankGiven)
				period = strconv.FormatInt(o.PeriodID, 10)
				cutoff = formatScore(r.Cutoff[o.PeriodID])
			}
			emit(strconv.FormatInt(o.ApplicantID, 10), rank, period, cutoff, ResultReason(o.Skipped))
		}
		return nil
	})
}

// rowReader reads one round file, checking its header and giving each row's
// fields by column with typed parsers that remember the first error.
type rowReader struct {
	file   string
	cr     *csv.Reader
	header []string
	rec    []string
	line   int
	err    *CSVError
}

func newRowReader(file string, r io.Reader, header []string, optional int) (*rowReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rr := &rowReader{file: file, cr: cr, header: header}
	rec, err := cr.Read()
	if err != nil {
		return nil, &CSVError{File: file, Line: 1, Problem: "header", Err: err}
	}
	if len(rec) > 0 {
		rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a spreadsheet's byte-order mark
	}
	n := len(rec)
	if n < len(header)-optional || n > len(header) {
		return nil, &CSVError{File: file, Line: 1, Problem: "header"}
	}
	for i, name := range rec {
		if strings.TrimSpace(name) != header[i] {
			return nil, &CSVError{File: file, Line: 1, Column: header[i], Problem: "header"}
		}
	}
	rr.header = header[:n]
	rr.line = 1
	return rr, nil
}

// next reads the next row; false at the end or on an error (see err).
func (rr *rowReader) next() bool {
	if rr.err != nil {
		return false
	}
	rec, err := rr.cr.Read()
	if err == io.EOF {
		return false
	}
	rr.line++
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rr.line = pe.Line
		}
		rr.fail("", "read", err)
		return false
	}
	if len(rec) != len(rr.header) {
		rr.fail("", "columns", nil)
		return false
	}
	rr.rec = rec
	return true
}

func (rr *rowReader) fail(col, problem string, err error) {
	if rr.err == nil {
		rr.err = &CSVError{File: rr.file, Line: rr.line, Column: col, Problem: problem, Err: err}
	}
}

func (rr *rowReader) field(col int) string {
	if col >= len(rr.rec) {
		return ""
	}
	return strings.TrimSpace(rr.rec[col])
}

func (rr *rowReader) int64(col int, emptyZero bool) int64 {
	s := rr.field(col)
	if s == "" && emptyZero {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		rr.fail(rr.header[col], "number", err)
	}
	return v
}

func (rr *rowReader) int(col int, emptyZero bool) int {
	s := rr.field(col)
	if s == "" && emptyZero {
		return 0
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		rr.fail(rr.header[col], "number", err)
	}
	return v
}

func (rr *rowReader) uint64(col int) uint64 {
	v, err := strconv.ParseUint(rr.field(col), 10, 64)
	if err != nil {
		rr.fail(rr.header[col], "number", err)
	}
	return v
}

func (rr *rowReader) float(col int) float64 {
	v, err := strconv.ParseFloat(rr.field(col), 64)
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		err = errors.New("not a finite number")
	}
	if err != nil {
		rr.fail(rr.header[col], "number", err)
	}
	return v
}

func (rr *rowReader) bool(col int) bool {
	switch strings.ToLower(rr.field(col)) {
	case "true", "1", "yes":
		return true
	case "false", "0", "no":
		return false
	}
	rr.fail(rr.header[col], "number", nil)
	return false
}

func (rr *rowReader) done() error {
	if rr.err != nil {
		return rr.err
	}
	return nil
}

// ReadApplicants reads applicants.csv (without choices; see ReadChoices).
func ReadApplicants(r io.Reader) ([]Applicant, error) {
	rr, err := newRowReader(ApplicantsFile, r, applicantsHeader, 0)
	if err != nil {
		return nil, err
	}
	var out []Applicant
	seen := map[int64]bool{}
	for rr.next() {
		a := Applicant{ID: rr.int64(0, false), Score: rr.float(1), Class: rr.int(2, false), Tiebreak: rr.uint64(3)}
		if rr.err == nil && seen[a.ID] {
			rr.fail(applicantsHeader[0], "duplicate", nil)
		}
		seen[a.ID] = true
		out = append(out, a)
	}
	if err := rr.done(); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadChoices reads choices.csv and appends each row to its applicant's
// Choices, in file order. A file without the ineligible_reason column reads
// with empty reason codes.
func ReadChoices(r io.Reader, applicants []Applicant) error {
	rr, err := newRowReader(ChoicesFile, r, choicesHeader, 1)
	if err != nil {
		return err
	}
	byID := make(map[int64]int, len(applicants))
	for i, a := range applicants {
		byID[a.ID] = i
	}
	type rankOf struct {
		applicant int64
		rank      int
	}
	seen := map[rankOf]bool{}
	for rr.next() {
		id := rr.int64(0, false)
		c := Choice{Rank: rr.int(1, false), PeriodID: rr.int64(2, false), Eligible: rr.bool(3), Ineligible: rr.field(4)}
		i, ok := byID[id]
		switch {
		case rr.err != nil:
		case !ok:
			rr.fail(choicesHeader[0], "unknown_applicant", nil)
		case c.Rank < 1:
			rr.fail(choicesHeader[1], "range", nil)
		case seen[rankOf{id, c.Rank}]:
			rr.fail(choicesHeader[1], "duplicate", nil)
		}
		seen[rankOf{id, c.Rank}] = true
		if rr.err != nil {
			break
		}
		applicants[i].Choices = append(applicants[i].Choices, c)
	}
	return rr.done()
}

// ReadSeats reads seats.csv; an empty agreement_id or quota_left reads as 0.
func ReadSeats(r io.Reader) ([]Seat, error) {
	rr, err := newRowReader(SeatsFile, r, seatsHeader, 0)
	if err != nil {
		return nil, err
	}
	var out []Seat
	seen := map[int64]bool{}
	for rr.next() {
		s := Seat{PeriodID: rr.int64(0, false), CapacityLeft: rr.int(1, false), AgreementID: rr.int64(2, true), QuotaLeft: rr.int(3, true)}
		if rr.err == nil && seen[s.PeriodID] {
			rr.fail(seatsHeader[0], "duplicate", nil)
		}
		seen[s.PeriodID] = true
		out = append(out, s)
	}
	if err := rr.done(); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadInputs reads the three input files of a round.
func ReadInputs(applicants, choices, seats io.Reader) ([]Applicant, []Seat, error) {
	as, err := ReadApplicants(applicants)
	if err != nil {
		return nil, nil, err
	}
	if err := ReadChoices(choices, as); err != nil {
		return nil, nil, err
	}
	ss, err := ReadSeats(seats)
	if err != nil {
		return nil, nil, err
	}
	return as, ss, nil
}
