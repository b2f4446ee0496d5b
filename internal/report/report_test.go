package report_test

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/report"
	"portal/internal/testutil"
	"portal/internal/user"
)

// now is the reports' "today": 2026-11-21 09:00 UTC, 17:00 in Taipei.
var now = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

// gen is generated data: what the test inserted, kept as plain Go values
// so that every expected figure is computed here, by loops over these rows,
// never by the report's own queries.
type gen struct {
	insts   []int64
	deals   []genDeal
	periods []genPeriod
	apps    []genApp
}

type genDeal struct {
	id, inst    int64
	from, until time.Time
	quotaOut    int
}

type genPeriod struct {
	id, elective, inst int64
	deal               int64 // 0: no agreement
	specialty          string
	starts             time.Time
	capacity           int
}

type genChoice struct {
	period             genPeriod
	decision           string
	nominated, decided *time.Time
	quotaDeal          int64
	quotaYear          int
}

type genApp struct {
	id                int64
	status, specialty string
	stageSince        time.Time
	submitted         *time.Time
	current           int
	choices           []genChoice
}

var statuses = []string{"draft", "submitted", "department_review", "office_review", "nominated", "waitlisted", "host_accepted",
	"host_rejected", "confirmed", "completed", "withdrawn", "rejected"}

func generate(t *testing.T, d *db.DB, seed int64) *gen {
	t.Helper()
	ctx := context.Background()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	cat := catalog.NewService(d, b, func() time.Time { return now })
	rng := rand.New(rand.NewSource(seed))
	g := &gen{}
	date := func(days int) time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days) }
	for n := 0; n < 3; n++ {
		in, err := cat.CreateInstitution(ctx, catalog.InstitutionInput{NameEN: fmt.Sprintf("Partner %d", n), NameLocal: fmt.Sprintf("夥伴 %d", n),
			Country: "JP", City: "Kumamoto", Kind: "university"})
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		g.insts = append(g.insts, in.ID)
		from, until := date(-400+rng.Intn(200)), date(200+rng.Intn(900))
		a, err := cat.CreateAgreement(ctx, catalog.AgreementInput{InstitutionID: in.ID, Kind: "student_exchange", Title: fmt.Sprintf("Exchange %d", n),
			ValidFrom: from.Format(time.DateOnly), ValidUntil: until.Format(time.DateOnly), QuotaOut: fmt.Sprint(5 + rng.Intn(10)), QuotaIn: "2"})
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		g.deals = append(g.deals, genDeal{id: a.ID, inst: in.ID, from: from, until: until, quotaOut: a.QuotaOut})
		for k, spec := range []string{"surgery", "internal_medicine"} {
			ein := catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: in.ID, Kind: "clinical_elective",
				TitleEN: fmt.Sprintf("Elective %d-%d", n, k), Specialty: spec, Language: "en", MinYear: "5", DurationWeeks: "4",
				OpensOn: "2025-01-01", ClosesOn: "2025-06-01"}
			deal := int64(0)
			if k == 0 {
				ein.AgreementID, deal = a.ID, a.ID
			}
			e, err := cat.CreateElective(ctx, ein)
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			for _, startDays := range []int{-200 + rng.Intn(30), 60 + rng.Intn(100), 400 + rng.Intn(100)} {
				s := date(startDays)
				p, err := cat.AddPeriod(ctx, e.ID, catalog.PeriodInput{StartsOn: s.Format(time.DateOnly), EndsOn: s.AddDate(0, 0, 27).Format(time.DateOnly),
					Capacity: fmt.Sprint(1 + rng.Intn(4))})
				if err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
				g.periods = append(g.periods, genPeriod{id: p.ID, elective: e.ID, inst: in.ID, deal: deal, specialty: spec, starts: s, capacity: p.Capacity})
			}
		}
	}
	for n := 0; n < 120; n++ {
		u := &user.User{Issuer: "test", Subject: fmt.Sprintf("s%d-%d", seed, n), Name: "Student", CreatedAt: now, UpdatedAt: now}
		if err := d.Create(u).Error; err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		a := genApp{status: statuses[rng.Intn(len(statuses))], stageSince: now.Add(-time.Duration(rng.Intn(120*24)) * time.Hour)}
		if a.status != "draft" {
			// Some submitted around new year, in Taipei's or UTC's year.
			sub := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Intn(48)-24) * time.Hour)
			if rng.Intn(2) == 0 {
				sub = now.Add(-time.Duration(rng.Intn(300*24)) * time.Hour)
			}
			a.submitted = &sub
		}
		for _, i := range rng.Perm(len(g.periods))[:1+rng.Intn(3)] {
			a.choices = append(a.choices, genChoice{period: g.periods[i]})
		}
		a.current = 1 + rng.Intn(len(a.choices))
		a.specialty = a.choices[0].period.specialty
		for i := range a.choices {
			c := &a.choices[i]
			if i+1 > a.current || a.submitted == nil || rng.Intn(3) == 0 {
				continue
			}
			nom := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Intn(96)-48) * time.Hour)
			if rng.Intn(2) == 0 {
				nom = now.Add(-time.Duration(rng.Intn(400*24)) * time.Hour)
			}
			c.nominated = &nom
			if rng.Intn(3) > 0 {
				c.decision = []string{"accepted", "waitlisted", "rejected"}[rng.Intn(3)]
				dec := nom.Add(time.Duration(rng.Intn(60*24)) * time.Hour)
				c.decided = &dec
			}
			if c.period.deal != 0 && rng.Intn(2) == 0 {
				c.quotaDeal, c.quotaYear = c.period.deal, 2025+rng.Intn(2)
			}
		}
		err := d.Transaction(func(tx *gorm.DB) error {
			if err := tx.Raw(`INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, submitted_at, created_at, updated_at)
				VALUES (?, 'outgoing', ?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.ID, a.status, a.specialty, a.current, a.stageSince, a.submitted, now, now).Scan(&a.id).Error; err != nil {
				return err
			}
			for i, c := range a.choices {
				var qd any
				var qy any
				if c.quotaDeal != 0 {
					qd, qy = c.quotaDeal, c.quotaYear
				}
				if err := tx.Exec(`INSERT INTO application_choices (application_id, rank, elective_id, period_id, host_decision, quota_agreement_id, quota_year, nominated_at, decided_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.id, i+1, c.period.elective, c.period.id, c.decision, qd, qy, c.nominated, c.decided).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		g.apps = append(g.apps, a)
	}
	return g
}

func office() *user.User { return &user.User{ID: 1, Roles: []user.Role{user.Office}} }

func service(t *testing.T, d *db.DB) (*report.Service, *time.Location) {
	z, err := clock.Load("Asia/Taipei")
	if err != nil {
		t.Fatal(err, apperr.FieldsOf(err))
	}
	return report.NewService(d, report.Options{Now: func() time.Time { return now }, Zone: z}), z.Location()
}

func in(v string, set ...string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// calendarDays is how long an application has been in its stage on the
// reports' "today": UTC dates apart, written again for the test.
func calendarDays(since time.Time) int {
	y, m, d := now.UTC().Date()
	ys, ms, ds := since.UTC().Date()
	n := 0
	for day := time.Date(ys, ms, ds, 0, 0, 0, 0, time.UTC); day.Before(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)); day = day.AddDate(0, 0, 1) {
		n++
	}
	return n
}

// nearest is the nearest-rank percentile, written again for the test.
func nearest(v []int, p float64) int {
	if len(v) == 0 {
		return 0
	}
	sort.Ints(v)
	k := 0
	for k < len(v) && float64(k+1) < p*float64(len(v)) {
		k++
	}
	return v[k]
}

func TestReportsMatchTheRowsTheyCount(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		g := generate(t, d, 17)
		s, taipei := service(t, d)
		ctx := context.Background()

		t.Run("the pipeline counts each waiting stage, its calendar days and who is over target", func(t *testing.T) {
			for _, f := range []report.Filter{{}, {Year: 2026}, {Specialty: "surgery"}, {InstitutionID: g.insts[1]}} {
				got, err := s.Pipeline(ctx, office(), f)
				if err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
				var late []genApp
				for _, row := range got.Rows {
					var days []int
					var first *time.Time
					n, over := 0, 0
					for _, a := range g.apps {
						if a.status != row.Stage || (f.Specialty != "" && a.specialty != f.Specialty) ||
							(f.InstitutionID != 0 && a.choices[a.current-1].period.inst != f.InstitutionID) ||
							(f.Year != 0 && (a.submitted == nil || a.submitted.In(taipei).Year() != f.Year)) {
							continue
						}
						dd := calendarDays(a.stageSince)
						days = append(days, dd)
						n++
						if dd > report.DefaultTargets[row.Stage] {
							over++
							late = append(late, a)
						}
						if first == nil || a.stageSince.Before(*first) {
							first = &a.stageSince
						}
					}
					med, p90 := nearest(days, 0.5), nearest(days, 0.9)
					oldest := 0
					if len(days) > 0 {
						oldest = days[len(days)-1]
					}
					if row.Count != n || row.MedianDays != med || row.P90Days != p90 || row.Over != over || row.OldestDays != oldest {
						t.Errorf("filter %+v stage %s: got n=%d median=%d p90=%d over=%d oldest=%d, want %d %d %d %d %d", f, row.Stage,
							row.Count, row.MedianDays, row.P90Days, row.Over, row.OldestDays, n, med, p90, over, oldest)
					}
					if (first == nil) != (row.Oldest == nil) || (first != nil && !row.Oldest.Equal(*first)) {
						t.Errorf("filter %+v stage %s: oldest since %v, want %v", f, row.Stage, row.Oldest, first)
					}
				}
				if f == (report.Filter{}) && len(late) == 0 {
					t.Fatal("the generated data has nobody over target: the test would prove nothing")
				}
				sort.Slice(late, func(i, j int) bool {
					if !late[i].stageSince.Equal(late[j].stageSince) {
						return late[i].stageSince.Before(late[j].stageSince)
					}
					return late[i].id < late[j].id
				})
				late = late[:min(len(late), 50)]
				if len(got.Chase) != len(late) {
					t.Errorf("filter %+v: chase list has %d, want %d", f, len(got.Chase), len(late))
					continue
				}
				for i, c := range got.Chase {
					if c.ID != late[i].id || c.Stage != late[i].status || c.Days != calendarDays(late[i].stageSince) {
						t.Errorf("filter %+v: chase %d is %d in %s for %d days, want %d in %s for %d", f, i, c.ID, c.Stage, c.Days,
							late[i].id, late[i].status, calendarDays(late[i].stageSince))
					}
				}
			}
		})

		t.Run("seat fill counts each period's current choices and first-choice demand", func(t *testing.T) {
			for _, f := range []report.Filter{{Year: 2026}, {Year: 2027, Specialty: "surgery"}, {Year: 2026, InstitutionID: g.insts[0]}} {
				got, err := s.Seats(ctx, office(), f)
				if err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
				want := 0
				for _, p := range g.periods {
					if p.starts.Year() != f.Year || (f.Specialty != "" && p.specialty != f.Specialty) || (f.InstitutionID != 0 && p.inst != f.InstitutionID) {
						continue
					}
					want++
					var nom, acc, conf, wait, first int
					for _, a := range g.apps {
						for i, c := range a.choices {
							if c.period.id != p.id {
								continue
							}
							if i == 0 && a.submitted != nil {
								first++
							}
							if i+1 == a.current {
								switch a.status {
								case "nominated":
									nom++
								case "host_accepted":
									acc++
								case "confirmed", "completed":
									conf++
								case "waitlisted":
									wait++
								}
							}
						}
					}
					var row *report.SeatRow
					for i := range got {
						if got[i].PeriodID == p.id {
							row = &got[i]
						}
					}
					if row == nil {
						t.Errorf("period %d missing", p.id)
						continue
					}
					if row.Capacity != p.capacity || row.Nominated != nom || row.Accepted != acc || row.Confirmed != conf || row.Waitlisted != wait || row.FirstChoice != first {
						t.Errorf("period %d: got %+v, want seats %d nominated %d accepted %d confirmed %d waitlisted %d first %d", p.id, *row, p.capacity, nom, acc, conf, wait, first)
					}
					if row.FillPercent() != (acc+conf)*100/p.capacity {
						t.Errorf("period %d: fill %d%%", p.id, row.FillPercent())
					}
				}
				if len(got) != want {
					t.Errorf("filter %+v: %d periods, want %d", f, len(got), want)
				}
			}
		})

		t.Run("agreement health shows quota use, time to expiry and the last year with a placement", func(t *testing.T) {
			got, err := s.Agreements(ctx, office(), report.Filter{Year: 2026})
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			if len(got) != len(g.deals) {
				t.Fatalf("%d agreements, want %d", len(got), len(g.deals))
			}
			today := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
			for _, dl := range g.deals {
				used, last := 0, 0
				for _, a := range g.apps {
					for i, c := range a.choices {
						if c.quotaDeal == dl.id && c.quotaYear == 2026 {
							used++
						}
						if i+1 == a.current && c.period.deal == dl.id && in(a.status, "confirmed", "completed") && c.period.starts.Year() > last {
							last = c.period.starts.Year()
						}
					}
				}
				months := 0
				for today.AddDate(0, months+1, 0).Before(dl.until) || today.AddDate(0, months+1, 0).Equal(dl.until) {
					months++
				}
				for _, r := range got {
					if r.ID != dl.id {
						continue
					}
					effect := !today.Before(dl.from) && !today.After(dl.until)
					if r.UsedOut != used || r.LastMobility != last || r.MonthsLeft != months || r.InEffect != effect || r.YearsLeft != months/12 {
						t.Errorf("agreement %d: got used %d last %d months %d in effect %v, want %d %d %d %v", dl.id, r.UsedOut, r.LastMobility, r.MonthsLeft, r.InEffect,
							used, last, months, effect)
					}
				}
			}
		})

		t.Run("nomination outcomes count each host's answers in Taipei's year", func(t *testing.T) {
			for _, f := range []report.Filter{{Year: 2026}, {Year: 2025}, {Year: 2026, Specialty: "internal_medicine"}} {
				got, err := s.Outcomes(ctx, office(), f)
				if err != nil {
					t.Fatal(err, apperr.FieldsOf(err))
				}
				type tally struct {
					n, pending, acc, wait, rej, cancel int
					days                               []int
				}
				want := map[int64]*tally{}
				for _, a := range g.apps {
					for i, c := range a.choices {
						if c.nominated == nil || c.nominated.In(taipei).Year() != f.Year || (f.Specialty != "" && c.period.specialty != f.Specialty) {
							continue
						}
						w := want[c.period.inst]
						if w == nil {
							w = &tally{}
							want[c.period.inst] = w
						}
						w.n++
						switch {
						case c.decision == "accepted":
							w.acc++
						case c.decision == "waitlisted":
							w.wait++
						case c.decision == "rejected":
							w.rej++
						case i+1 == a.current && a.status == "nominated":
							w.pending++
						default:
							w.cancel++
						}
						if c.decided != nil {
							w.days = append(w.days, int(c.decided.Sub(*c.nominated).Hours())/24)
						}
					}
				}
				if len(want) == 0 {
					t.Fatalf("filter %+v: no nominations generated", f)
				}
				if len(got) != len(want) {
					t.Errorf("filter %+v: %d hosts, want %d", f, len(got), len(want))
				}
				for _, r := range got {
					w := want[r.InstitutionID]
					if w == nil {
						t.Errorf("unexpected host %d", r.InstitutionID)
						continue
					}
					med := nearest(w.days, 0.5)
					if r.Nominations != w.n || r.Pending != w.pending || r.Accepted != w.acc || r.Waitlisted != w.wait || r.Rejected != w.rej ||
						r.Cancelled != w.cancel || r.MedianDays != med {
						t.Errorf("filter %+v host %d: got %+v, want %+v median %d", f, r.InstitutionID, r, *w, med)
					}
				}
			}
		})

		t.Run("only the office and admins read reports", func(t *testing.T) {
			_, err := s.Pipeline(ctx, &user.User{ID: 2, Roles: []user.Role{user.Student}}, report.Filter{})
			if err == nil {
				t.Fatal("a student read the office's pipeline")
			}
		})
	})
}
