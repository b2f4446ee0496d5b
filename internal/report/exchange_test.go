package report_test

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/report"
	"portal/internal/testutil"
	"portal/internal/user"
)

// exchange is what the reciprocity, funding and completion reports read
// beyond gen: agreed ratios, incoming rotations, scholarship awards,
// students' reports and recognitions, kept as plain values.
type exchange struct {
	*gen
	deals     []genDeal // gen's, and a second, later agreement with the first partner
	ratio     map[int64][2]int
	incoming  []genIncoming
	applicant map[int64]int64 // application -> student
	awards    map[int64][]genAward
	reported  map[int64]bool // application -> report submitted
	recog     map[int64]genRecognition
}

type genIncoming struct {
	id     int64
	status string
	home   int64 // 0: a home institution entered by name
	starts time.Time
	weeks  int
}

type genAward struct {
	currency, status string
	amount           int64
}

type genRecognition struct {
	credits string
	on      time.Time
}

func ends(p genPeriod) time.Time { return p.starts.AddDate(0, 0, 27) }

func generateExchange(t *testing.T, d *db.DB, g *gen, seed int64) *exchange {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	x := &exchange{gen: g, deals: append([]genDeal(nil), g.deals...), ratio: map[int64][2]int{}, applicant: map[int64]int64{},
		awards: map[int64][]genAward{}, reported: map[int64]bool{}, recog: map[int64]genRecognition{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
	}
	id := func(q string, args ...any) int64 {
		t.Helper()
		var v int64
		must(d.Raw(q+" RETURNING id", args...).Scan(&v).Error)
		return v
	}
	// A later agreement with the first partner, overlapping the first: an
	// incoming student counts under the one that began first.
	first := g.deals[0]
	late := genDeal{inst: first.inst, from: first.from.AddDate(0, 3, 0), until: first.until.AddDate(1, 0, 0)}
	late.id = id(`INSERT INTO agreements (institution_id, kind, title, valid_from, valid_until, ratio_out, ratio_in, created_at, updated_at)
		VALUES (?, 'mou', 'Later MOU', ?, ?, 2, 1, ?, ?)`, late.inst, late.from, late.until, now, now)
	x.deals = append(x.deals, late)
	x.ratio[late.id] = [2]int{2, 1}
	for i, dl := range g.deals {
		r := [2]int{1 + i%2, 1}
		must(d.Exec("UPDATE agreements SET ratio_out = ?, ratio_in = ? WHERE id = ?", r[0], r[1], dl.id).Error)
		x.ratio[dl.id] = r
	}
	var apps []struct{ ID, ApplicantID int64 }
	must(d.Raw("SELECT id, applicant_id FROM applications").Scan(&apps).Error)
	for _, a := range apps {
		x.applicant[a.ID] = a.ApplicantID
	}
	staff := apps[0].ApplicantID

	// Incoming rotations by students of the partners, and of a school
	// entered by name.
	dep := id(`INSERT INTO departments (code, name_en, name_zh, created_at, updated_at) VALUES ('SUR', 'Surgery', '外科', ?, ?)`, now, now)
	rotStatuses := []string{"submitted", "accepted", "confirmed", "completed", "rejected", "withdrawn"}
	for n := 0; n < 60; n++ {
		u := id(`INSERT INTO users (issuer, subject, name, created_at, updated_at) VALUES ('test', ?, ?, ?, ?)`, fmt.Sprintf("in%d-%d", seed, n), fmt.Sprintf("Visitor %d", n), now, now)
		r := genIncoming{status: rotStatuses[rng.Intn(len(rotStatuses))], starts: time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*rng.Intn(100)),
			weeks: 1 + rng.Intn(8)}
		var home any
		if k := rng.Intn(len(g.insts) + 1); k < len(g.insts) {
			r.home, home = g.insts[k], g.insts[k]
		}
		must(d.Exec(`INSERT INTO incoming_profiles (user_id, name_latin, nationality, home_institution_id, home_institution_name, home_country, year_of_study, updated_at)
			VALUES (?, ?, 'JP', ?, ?, 'JP', 5, ?)`, u, fmt.Sprintf("Visitor %d", n), home, map[bool]string{true: "Named School"}[r.home == 0], now).Error)
		accepted := 0
		if in(r.status, "accepted", "confirmed", "completed") {
			accepted = 2
		}
		r.id = id(`INSERT INTO rotation_requests (applicant_id, status, accepted_choice, stage_since, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			u, r.status, accepted, now, now, now)
		// The first choice is a decoy a year earlier: only the accepted one counts.
		must(d.Exec(`INSERT INTO rotation_choices (request_id, rank, department_id, starts_on, weeks) VALUES (?, 1, ?, ?, 2), (?, 2, ?, ?, ?)`,
			r.id, dep, r.starts.AddDate(-1, 0, 0), r.id, dep, r.starts, r.weeks).Error)
		x.incoming = append(x.incoming, r)
	}

	// Scholarships in two currencies; some awards paid, some returned.
	fund := id(`INSERT INTO funding (name_en, sponsor, sponsor_kind, deadline, created_at, updated_at) VALUES ('Grant', 'Ministry', 'ministry', ?, ?, ?)`, now, now, now)
	var calls []int64
	for _, cur := range []string{"TWD", "JPY"} {
		calls = append(calls, id(`INSERT INTO scholarship_calls (funding_id, name, year, deadline, max_awards, currency, state, seed, created_by, created_at, updated_at)
			VALUES (?, ?, 2026, ?, 100, ?, 'awarded', 1, ?, ?, ?)`, fund, "Call "+cur, now, cur, staff, now, now))
	}
	for n, a := range g.apps {
		student := x.applicant[a.id]
		for k, cur := range []string{"TWD", "JPY"} {
			if rng.Intn(3) != 0 {
				continue
			}
			req := id(`INSERT INTO scholarship_requests (call_id, student_id, application_id, amount, state, created_at, updated_at) VALUES (?, ?, ?, 1000, 'submitted', ?, ?)`,
				calls[k], student, a.id, now, now)
			aw := genAward{currency: cur, status: []string{"awarded", "paid", "returned"}[rng.Intn(3)], amount: int64(1000 * (1 + rng.Intn(30)))}
			must(d.Exec(`INSERT INTO scholarship_awards (call_id, request_id, student_id, amount, currency, score_centi, code, status, awarded_by, awarded_at)
				VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`, calls[k], req, student, aw.amount, cur, fmt.Sprintf("C%d-%d-%d", seed, n, k), aw.status, staff, now).Error)
			x.awards[a.id] = append(x.awards[a.id], aw)
		}
		if !in(a.status, "confirmed", "completed") {
			continue
		}
		p := a.choices[a.current-1].period
		if k := rng.Intn(3); k > 0 {
			var sub any
			if k == 2 {
				sub = now
				x.reported[a.id] = true
			}
			must(d.Exec(`INSERT INTO student_reports (application_id, student_id, elective_id, submitted_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				a.id, student, p.elective, sub, now, now).Error)
		}
		if a.status == "completed" && rng.Intn(5) > 0 {
			rc := genRecognition{credits: []string{"4", "4.5", "3,5 ECTS", "pass", "2"}[rng.Intn(5)], on: ends(p).AddDate(0, 0, rng.Intn(90)-5)}
			must(d.Exec(`INSERT INTO recognitions (application_id, home_course, credits, grade, recognised_on, recognised_by, created_at) VALUES (?, 'Elective', ?, 'A', ?, ?, ?)`,
				a.id, rc.credits, rc.on, staff, now).Error)
			x.recog[a.id] = rc
		}
	}
	return x
}

// dealOf is the agreement an incoming rotation counts under, found again
// by a plain walk: the partner's agreement in effect on its first day
// that began first.
func (x *exchange) dealOf(r genIncoming) int64 {
	var best *genDeal
	for i, dl := range x.deals {
		if dl.inst != r.home || r.starts.Before(dl.from) || r.starts.After(dl.until) {
			continue
		}
		if best == nil || dl.from.Before(best.from) {
			best = &x.deals[i]
		}
	}
	if best == nil {
		return 0
	}
	return best.id
}

func TestTheExchangeReportsMatchTheRowsTheyCount(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		x := generateExchange(t, d, generate(t, d, 17), 17)
		s, _ := service(t, d)
		ctx := context.Background()

		t.Run("reciprocity counts each agreement's students and weeks both ways and its balance since it began", func(t *testing.T) {
			checked, unbalanced := 0, 0
			for _, f := range []report.Filter{{Year: 2026}, {Year: 2025}, {Year: 2026, InstitutionID: x.insts[0]}} {
				got, err := s.Reciprocity(ctx, office(), f)
				if err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
				type tally struct{ out, outW, in, inW, cumOut, cumIn int }
				want := map[int64]*tally{}
				for _, dl := range x.deals {
					if f.InstitutionID == 0 || dl.inst == f.InstitutionID {
						want[dl.id] = &tally{}
					}
				}
				for _, a := range x.apps {
					p := a.choices[a.current-1].period
					w := want[p.deal]
					if !in(a.status, "confirmed", "completed") || w == nil || p.starts.Year() > f.Year {
						continue
					}
					w.cumOut += 4 // 28 days
					if p.starts.Year() == f.Year {
						w.out++
						w.outW += 4
					}
				}
				for _, r := range x.incoming {
					w := want[x.dealOf(r)]
					if !in(r.status, "confirmed", "completed") || w == nil || r.starts.Year() > f.Year {
						continue
					}
					w.cumIn += r.weeks
					if r.starts.Year() == f.Year {
						w.in++
						w.inW += r.weeks
					}
				}
				n := 0
				for _, dl := range x.deals {
					w := want[dl.id]
					if w == nil {
						continue
					}
					active := dl.from.Year() <= f.Year && dl.until.Year() >= f.Year
					if !active && w.out+w.in == 0 {
						continue
					}
					n++
					var row *report.ReciprocityRow
					for i := range got {
						if got[i].AgreementID == dl.id {
							row = &got[i]
						}
					}
					if row == nil {
						t.Errorf("filter %+v: agreement %d missing", f, dl.id)
						continue
					}
					ratio := x.ratio[dl.id]
					a, b := w.cumOut*ratio[1], w.cumIn*ratio[0]
					diff := a - b
					if diff < 0 {
						diff = -diff
					}
					balanced := float64(diff) <= 0.1*float64(max(a, b))
					if row.OutStudents != w.out || row.OutWeeks != w.outW || row.InStudents != w.in || row.InWeeks != w.inW ||
						row.Balance() != w.cumOut-w.cumIn || row.NetStudents() != w.out-w.in || row.NetWeeks() != w.outW-w.inW ||
						row.RatioOut != ratio[0] || row.RatioIn != ratio[1] || row.InBalance() != balanced {
						t.Errorf("filter %+v agreement %d: got %+v (in balance %v), want %+v ratio %v in balance %v", f, dl.id, *row, row.InBalance(), *w, ratio, balanced)
					}
					checked += w.in + w.out
					if !balanced {
						unbalanced++
					}
				}
				if len(got) != n {
					t.Errorf("filter %+v: %d agreements, want %d", f, len(got), n)
				}
			}
			if checked == 0 || unbalanced == 0 {
				t.Fatalf("the generated data has %d mobilities and %d unbalanced rows: the test would prove little", checked, unbalanced)
			}
		})

		t.Run("the funding register lists each placement with its money per currency and its report", func(t *testing.T) {
			seen := 0
			for _, f := range []report.Filter{{Year: 2026}, {Year: 2025, InstitutionID: x.insts[1]}, {Year: 2026, Specialty: "surgery"}} {
				got, err := s.Funding(ctx, office(), f)
				if err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
				type key struct {
					dir      string
					id       int64
					currency string
				}
				type money struct {
					awarded, paid int64
					weeks         int
					report        bool
				}
				want := map[key]money{}
				for _, a := range x.apps {
					p := a.choices[a.current-1].period
					if !in(a.status, "confirmed", "completed") || p.starts.Year() != f.Year || (f.InstitutionID != 0 && p.inst != f.InstitutionID) ||
						(f.Specialty != "" && p.specialty != f.Specialty) {
						continue
					}
					sums := map[string]*money{}
					for _, aw := range x.awards[a.id] {
						m := sums[aw.currency]
						if m == nil {
							m = &money{weeks: 4, report: x.reported[a.id]}
							sums[aw.currency] = m
						}
						if aw.status != "returned" {
							m.awarded += aw.amount
						}
						if aw.status == "paid" {
							m.paid += aw.amount
						}
					}
					if len(sums) == 0 {
						want[key{"outgoing", a.id, ""}] = money{weeks: 4, report: x.reported[a.id]}
					}
					for cur, m := range sums {
						want[key{"outgoing", a.id, cur}] = *m
					}
				}
				if f.Specialty == "" {
					for _, r := range x.incoming {
						if in(r.status, "confirmed", "completed") && r.starts.Year() == f.Year && (f.InstitutionID == 0 || r.home == f.InstitutionID) {
							want[key{"incoming", r.id, ""}] = money{weeks: r.weeks}
						}
					}
				}
				if len(got) != len(want) {
					t.Errorf("filter %+v: %d rows, want %d", f, len(got), len(want))
				}
				for _, r := range got {
					w, ok := want[key{r.Direction, r.ID, r.Currency}]
					if !ok {
						t.Errorf("filter %+v: unexpected row %+v", f, r)
						continue
					}
					if r.Awarded != w.awarded || r.Paid != w.paid || r.Weeks != w.weeks || r.ReportSubmitted != w.report || r.StartsOn.Year() != f.Year {
						t.Errorf("filter %+v: got %+v, want %+v", f, r, w)
					}
					if r.Paid > 0 {
						seen++
					}
				}
			}
			if seen == 0 {
				t.Fatal("no paid award in the register: the test would prove little")
			}
		})

		t.Run("the register pages in a stable order and its totals count every row, not the page", func(t *testing.T) {
			type key struct {
				dir      string
				id       int64
				currency string
				starts   time.Time
			}
			f := report.Filter{Year: 2026}
			var want []key
			type sum struct {
				rows          int
				awarded, paid int64
			}
			money := map[string]*sum{}
			for _, a := range x.apps {
				p := a.choices[a.current-1].period
				if !in(a.status, "confirmed", "completed") || p.starts.Year() != f.Year {
					continue
				}
				currencies := map[string]bool{}
				for _, aw := range x.awards[a.id] {
					m := money[aw.currency]
					if m == nil {
						m = &sum{}
						money[aw.currency] = m
					}
					if !currencies[aw.currency] {
						currencies[aw.currency] = true
						m.rows++
						want = append(want, key{"outgoing", a.id, aw.currency, p.starts})
					}
					if aw.status != "returned" {
						m.awarded += aw.amount
					}
					if aw.status == "paid" {
						m.paid += aw.amount
					}
				}
				if len(currencies) == 0 {
					want = append(want, key{"outgoing", a.id, "", p.starts})
				}
			}
			for _, r := range x.incoming {
				if in(r.status, "confirmed", "completed") && r.starts.Year() == f.Year {
					want = append(want, key{"incoming", r.id, "", r.starts})
				}
			}
			sort.Slice(want, func(i, j int) bool {
				a, b := want[i], want[j]
				if !a.starts.Equal(b.starts) {
					return a.starts.Before(b.starts)
				}
				if a.dir != b.dir {
					return a.dir == "outgoing"
				}
				if a.id != b.id {
					return a.id < b.id
				}
				return a.currency < b.currency
			})
			const size = 7
			if len(want) <= 2*size {
				t.Fatalf("%d rows in the register: too few to page", len(want))
			}
			var got []key
			pages := (len(want) + size - 1) / size
			for n := 1; n <= pages+1; n++ { // one past the last shows the last
				page, err := s.FundingPage(ctx, office(), f, n, size)
				if err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
				if page.Total != len(want) || page.Pages != pages || page.Page != min(n, pages) || page.Offset != (page.Page-1)*size {
					t.Fatalf("page %d: total %d, pages %d, page %d, offset %d; want %d rows in %d pages", n, page.Total, page.Pages, page.Page, page.Offset, len(want), pages)
				}
				if len(page.Money) != len(money) {
					t.Errorf("page %d: totals in %d currencies, want %d", n, len(page.Money), len(money))
				}
				for _, m := range page.Money {
					w := money[m.Currency]
					if w == nil || m.Rows != w.rows || m.Awarded != w.awarded || m.Paid != w.paid {
						t.Errorf("page %d: totals %+v, want %+v", n, m, w)
					}
				}
				if n > pages {
					if len(page.Rows) != len(want)-(pages-1)*size {
						t.Errorf("past the last page: %d rows", len(page.Rows))
					}
					continue
				}
				if len(page.Rows) != min(size, len(want)-(n-1)*size) {
					t.Errorf("page %d: %d rows", n, len(page.Rows))
				}
				for _, r := range page.Rows {
					got = append(got, key{r.Direction, r.ID, r.Currency, r.StartsOn})
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("the pages, one after another:\n%v\nwant\n%v", got, want)
			}
			all, err := s.Funding(ctx, office(), f)
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			var whole []key
			for _, r := range all {
				whole = append(whole, key{r.Direction, r.ID, r.Currency, r.StartsOn})
			}
			if fmt.Sprint(whole) != fmt.Sprint(want) {
				t.Errorf("the whole register is not in the pages' order:\n%v", whole)
			}
		})

		t.Run("completion counts the students back, their reports, recognitions, credits and days to recognition", func(t *testing.T) {
			today := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
			recognised := 0
			for _, f := range []report.Filter{{Year: 2026}, {Year: 2025}, {Year: 2026, Specialty: "internal_medicine"}} {
				got, err := s.Completion(ctx, office(), f)
				if err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
				type tally struct {
					back, reports, recognised int
					credits                   float64
					days                      []int
				}
				want := map[int64]*tally{}
				for _, a := range x.apps {
					p := a.choices[a.current-1].period
					end := ends(p)
					if !in(a.status, "confirmed", "completed") || end.Year() != f.Year || end.After(today) || (f.Specialty != "" && p.specialty != f.Specialty) {
						continue
					}
					w := want[p.inst]
					if w == nil {
						w = &tally{}
						want[p.inst] = w
					}
					w.back++
					if x.reported[a.id] {
						w.reports++
					}
					rc, ok := x.recog[a.id]
					if !ok {
						continue
					}
					w.recognised++
					w.credits += map[string]float64{"4": 4, "4.5": 4.5, "3,5 ECTS": 3.5, "2": 2}[rc.credits]
					w.days = append(w.days, max(0, int(rc.on.Sub(end).Hours())/24))
				}
				if len(got) != len(want) {
					t.Errorf("filter %+v: %d hosts, want %d", f, len(got), len(want))
				}
				for _, r := range got {
					w := want[r.InstitutionID]
					if w == nil {
						t.Errorf("filter %+v: unexpected host %d", f, r.InstitutionID)
						continue
					}
					sort.Ints(w.days)
					if r.Returned != w.back || r.Reports != w.reports || r.Recognised != w.recognised || r.Credits != w.credits ||
						r.MedianDays != nearest(w.days, 0.5) || r.P90Days != nearest(w.days, 0.9) {
						t.Errorf("filter %+v host %d: got %+v, want %+v", f, r.InstitutionID, r, *w)
					}
					recognised += w.recognised
				}
			}
			if recognised == 0 {
				t.Fatal("nothing recognised in the generated data: the test would prove little")
			}
		})

		t.Run("only the office and admins read them", func(t *testing.T) {
			reviewer := &user.User{ID: 2, Roles: []user.Role{user.Reviewer}}
			if _, err := s.Reciprocity(ctx, reviewer, report.Filter{}); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("reciprocity for a reviewer: %v", err)
			}
			if _, err := s.Funding(ctx, reviewer, report.Filter{}); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("funding for a reviewer: %v", err)
			}
			if _, err := s.FundingPage(ctx, reviewer, report.Filter{}, 1, 100); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("a page of funding for a reviewer: %v", err)
			}
			if _, err := s.Completion(ctx, reviewer, report.Filter{}); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("completion for a reviewer: %v", err)
			}
		})
	})
}

func TestCreditsReadTheLeadingNumberTheOfficeTyped(t *testing.T) {
	for in, want := range map[string]float64{"4": 4, "4.5": 4.5, "3,5 ECTS": 3.5, " 6 ": 6, "pass": -1, "": -1} {
		got, ok := report.Credits(in)
		if (want < 0 && ok) || (want >= 0 && (!ok || got != want)) {
			t.Errorf("Credits(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
}

func TestAnExchangeIsInBalanceWithinATenthOfItsAgreedRatio(t *testing.T) {
	for _, c := range []struct {
		out, in, ratioOut, ratioIn int
		want                       bool
	}{
		{0, 0, 1, 1, true},    // nothing yet
		{40, 40, 1, 1, true},  // one for one
		{44, 40, 1, 1, true},  // a tenth over
		{45, 40, 1, 1, false}, // more
		{4, 0, 1, 1, false},   // one student, nobody back
		{80, 40, 2, 1, true},  // two for one, as agreed
		{40, 40, 2, 1, false}, // one for one where two for one was agreed
	} {
		r := report.ReciprocityRow{CumOutWeeks: c.out, CumInWeeks: c.in, RatioOut: c.ratioOut, RatioIn: c.ratioIn}
		if got := r.InBalance(); got != c.want {
			t.Errorf("%d out, %d in at %d:%d: in balance %v, want %v", c.out, c.in, c.ratioOut, c.ratioIn, got, c.want)
		}
	}
}
