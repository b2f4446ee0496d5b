package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
)

// world is a small catalog built through the service, with helpers that
// fail the test on any error so that each test reads as its scenario.
type world struct {
	t   *testing.T
	ctx context.Context
	d   *db.DB
	s   *catalog.Service
}

func newWorld(t *testing.T, d *db.DB) *world {
	return &world{t: t, ctx: context.Background(), d: d, s: newService(t, d, fixedToday)}
}

// day is a form date days away from the fixed today (2026-11-21).
func day(days int) string { return catalog.Day(fixedToday).AddDate(0, 0, days).Format(time.DateOnly) }

// date is day as a time.
func date(days int) time.Time { return catalog.Day(fixedToday).AddDate(0, 0, days) }

func (w *world) must(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v (fields %v)", what, err, apperr.FieldsOf(err))
	}
}

func (w *world) institution(in catalog.InstitutionInput) *catalog.Institution {
	w.t.Helper()
	if in.Kind == "" {
		in.Kind = "university"
	}
	i, err := w.s.CreateInstitution(w.ctx, in)
	w.must(err, "create institution "+in.NameEN)
	return i
}

func (w *world) home() *catalog.Institution {
	w.t.Helper()
	return w.institution(catalog.InstitutionInput{NameEN: "Formosa Medical University", NameLocal: "福爾摩沙醫學大學", Country: "TW", City: "Taipei", IsHome: true})
}

func (w *world) partner(nameEN, nameLocal, country, city string) *catalog.Institution {
	w.t.Helper()
	return w.institution(catalog.InstitutionInput{NameEN: nameEN, NameLocal: nameLocal, Country: country, City: city})
}

func (w *world) agreement(instID int64, from, until int) *catalog.Agreement {
	w.t.Helper()
	a, err := w.s.CreateAgreement(w.ctx, agreementInput(instID, from, until))
	w.must(err, "create agreement")
	return a
}

func agreementInput(instID int64, from, until int) catalog.AgreementInput {
	return catalog.AgreementInput{InstitutionID: instID, Kind: "student_exchange", Title: "Student exchange agreement",
		ValidFrom: day(from), ValidUntil: day(until), QuotaOut: "4", QuotaIn: "2"}
}

// electiveInput is a valid outgoing elective at inst whose window runs
// from 30 days ago to 30 days ahead.
func electiveInput(instID int64, title string) catalog.ElectiveInput {
	return catalog.ElectiveInput{
		Direction: catalog.Outgoing, InstitutionID: instID, Kind: "clinical_elective", TitleEN: title,
		Specialty: "internal_medicine", Language: "en", MinYear: "5", DurationWeeks: "4",
		OpensOn: day(-30), ClosesOn: day(30),
	}
}

func (w *world) elective(in catalog.ElectiveInput) *catalog.Elective {
	w.t.Helper()
	e, err := w.s.CreateElective(w.ctx, in)
	w.must(err, "create elective "+in.TitleEN)
	return e
}

func (w *world) period(electiveID int64, from, to, capacity int) *catalog.Period {
	w.t.Helper()
	p, err := w.s.AddPeriod(w.ctx, electiveID, periodInput(from, to, capacity))
	w.must(err, "add period")
	return p
}

func periodInput(from, to, capacity int) catalog.PeriodInput {
	return catalog.PeriodInput{StartsOn: day(from), EndsOn: day(to), Capacity: fmt.Sprint(capacity)}
}

// take marks seats of a period as taken, as the application workflow
// will; the catalog itself never does.
func (w *world) take(periodID int64, seats int) {
	w.t.Helper()
	w.must(w.d.Exec("UPDATE periods SET taken = ? WHERE id = ?", seats, periodID).Error, "take seats")
}

func (w *world) search(q catalog.Query) catalog.Results {
	w.t.Helper()
	res, err := w.s.Search(w.ctx, q)
	w.must(err, "search")
	return res
}

// titles are the English titles of the cards, in order.
func titles(res catalog.Results) []string {
	var out []string
	for _, c := range res.Cards {
		out = append(out, c.TitleEN)
	}
	return out
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// catalogTables are the tables a catalog change may touch.
var catalogTables = []string{"institutions", "agreements", "departments", "electives", "periods", "funding"}

// snapshot is every row of the catalog's tables as text: two equal
// snapshots mean nothing was added, changed or deleted.
func (w *world) snapshot() string {
	w.t.Helper()
	var b strings.Builder
	for _, table := range catalogTables {
		var rows []map[string]any
		w.must(w.d.Table(table).Order("id").Find(&rows).Error, "snapshot "+table)
		fmt.Fprintf(&b, "%s: %d rows\n", table, len(rows))
		for _, r := range rows {
			keys := make([]string, 0, len(r))
			for k := range r {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, " %s=%v", k, r[k])
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// count returns the rows of table.
func (w *world) count(table string) int64 {
	w.t.Helper()
	var n int64
	w.must(w.d.Table(table).Count(&n).Error, "count "+table)
	return n
}

// wantField checks that err is the invalid-form error carrying key (and,
// unless nil, args) on field.
func wantField(t *testing.T, err error, field, key string, args []any) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want %s on %s", key, field)
	}
	if code := apperr.CodeOf(err); code != apperr.Invalid {
		t.Fatalf("error %v has code %s, want invalid with %s on %s", err, code, key, field)
	}
	fields := apperr.FieldsOf(err)
	m, ok := fields[field]
	if !ok || m.Key != key {
		t.Fatalf("fields %v; want %s on %s", fields, key, field)
	}
	if len(args) > 0 && fmt.Sprint(m.Args) != fmt.Sprint(args) {
		t.Errorf("%s on %s has args %v, want %v", key, field, m.Args, args)
	}
}

// wantCode checks err's code and, when given, its message key.
func wantCode(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != code || (key != "" && ae.Key != key) {
		t.Fatalf("error %v, want %s with key %q", err, code, key)
	}
}
