package scholarship_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/scholarship"
	"portal/internal/selection/match"
	"portal/internal/testutil"
	"portal/internal/user"
)

// start is the fixed "now" of every test.
var start = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

func day(days int) string { return start.AddDate(0, 0, days).Format(time.DateOnly) }

// world is a funding opportunity, an elective with a period, the office
// and the scholarship service on one database.
type world struct {
	t       *testing.T
	ctx     context.Context
	d       *db.DB
	svc     *scholarship.Service
	fund    *catalog.Funding
	elec    *catalog.Elective
	period  *catalog.Period
	office  *user.User
	counter int
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	clock := testutil.NewClock(start)
	cat := catalog.NewService(d, b, clock.Now)
	w := &world{t: t, ctx: context.Background(), d: d, svc: scholarship.NewService(d, scholarship.Options{Now: clock.Now})}
	partner, err := cat.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Kumamoto University", NameLocal: "熊本大学",
		Country: "JP", City: "Kumamoto", Kind: "university"})
	w.must(err, "partner")
	w.elec, err = cat.CreateElective(w.ctx, catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: partner.ID, Kind: "clinical_elective",
		TitleEN: "Hepatology clinical elective", Specialty: "internal_medicine", Language: "en", MinYear: "5", DurationWeeks: "4",
		OpensOn: day(-30), ClosesOn: day(30)})
	w.must(err, "elective")
	w.period, err = cat.AddPeriod(w.ctx, w.elec.ID, catalog.PeriodInput{StartsOn: day(60), EndsOn: day(87), Capacity: "30"})
	w.must(err, "period")
	w.fund, err = cat.CreateFunding(w.ctx, catalog.FundingInput{NameEN: "Ministry of Education Study Abroad Scholarship", NameZH: "教育部學海飛颺獎學金",
		Sponsor: "Ministry of Education", SponsorKind: "ministry", Amount: "1000", Currency: "TWD", Deadline: day(20)})
	w.must(err, "funding")
	w.office = w.person("office", user.Office)
	return w
}

func (w *world) must(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v (fields %v)", what, err, apperr.FieldsOf(err))
	}
}

func (w *world) person(name string, roles ...user.Role) *user.User {
	w.t.Helper()
	w.counter++
	u := &user.User{Issuer: "test", Subject: fmt.Sprintf("%s-%d", name, w.counter), Name: name, CreatedAt: start, UpdatedAt: start}
	w.must(w.d.Create(u).Error, "person "+name)
	u.Roles = roles
	return u
}

// student is a new student with one outgoing application at stage.
func (w *world) student(name, stage string) (*user.User, int64) {
	w.t.Helper()
	u := w.person(name, user.Student)
	app := map[string]any{"applicant_id": u.ID, "direction": "outgoing", "status": stage, "version": 1,
		"stage_since": start, "created_at": start, "updated_at": start}
	w.must(w.d.Table("applications").Create(app).Error, "application")
	var id int64
	w.must(w.d.Table("applications").Where("applicant_id = ?", u.ID).Select("id").Scan(&id).Error, "application id")
	w.must(w.d.Table("application_choices").Create(map[string]any{"application_id": id, "rank": 1,
		"elective_id": w.elec.ID, "period_id": w.period.ID}).Error, "choice")
	return u, id
}

func (w *world) call(perAward, maxAwards, total string) *scholarship.Call {
	w.t.Helper()
	c, err := w.svc.Create(w.ctx, w.office, scholarship.CallInput{FundingID: w.fund.ID, Name: "2027 study abroad", Year: "2027",
		Deadline: day(10), PerAward: perAward, MaxAwards: maxAwards, Total: total,
		Components: []scholarship.ComponentInput{{NameEN: "Grade average", NameZH: "學業成績", Weight: "70", MaxValue: "100"},
			{NameEN: "Interview", NameZH: "面談", Weight: "30", MaxValue: "10"}}})
	w.must(err, "call")
	return c
}

// request submits a request of u in call c, and the office scores it.
func (w *world) request(c *scholarship.Call, u *user.User, app int64, amount string, grade, interview string) int64 {
	w.t.Helper()
	r, err := w.svc.Save(w.ctx, u, c.ID, scholarship.RequestInput{ApplicationID: app, Motivation: "To learn hepatology.", Amount: amount}, true)
	w.must(err, "request")
	var comps []scholarship.Component
	w.must(w.d.Where("call_id = ?", c.ID).Order("ordinal").Find(&comps).Error, "components")
	w.must(w.svc.SetScores(w.ctx, w.office, c.ID, r.ID, map[int64]string{comps[0].ID: grade, comps[1].ID: interview}), "scores")
	return r.ID
}

func TestACallAwardsTheBestScoredWithinItsBudgetAndTheRegisterKeepsTheMoney(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.call("1000", "2", "")

		// Only a nominated application or a placement may carry a request.
		drafter, draft := w.student("drafter", "office_review")
		_, err := w.svc.Save(w.ctx, drafter, c.ID, scholarship.RequestInput{ApplicationID: draft, Motivation: "Please."}, true)
		if apperr.FieldsOf(err)["application"].Key != "scholarships.err.application" {
			t.Fatalf("a request on an application under review: %v, want refused on its application", err)
		}
		a, appA := w.student("Amy", "nominated")
		b, appB := w.student("Ben", "host_accepted")
		cc, appC := w.student("Chen", "confirmed")
		dd, appD := w.student("Dana", "nominated")
		w.request(c, a, appA, "", "80", "9")  // 56 + 27 = 83
		w.request(c, b, appB, "", "95", "5")  // 66.5 + 15 = 81.5
		w.request(c, cc, appC, "", "70", "4") // 49 + 12 = 61
		w.request(c, dd, appD, "", "99", "10")
		mine, err := w.svc.Mine(w.ctx, dd, c.ID)
		w.must(err, "mine")
		w.must(w.svc.Withdraw(w.ctx, dd, c.ID, mine.Version), "withdraw")

		plan, err := w.svc.DryRun(w.ctx, w.office, c.ID)
		w.must(err, "dry run")
		var got []string
		for _, o := range plan.Outcomes {
			got = append(got, fmt.Sprintf("%s %.2f %v %s", o.StudentName, o.Score, o.Awarded, o.Reason))
		}
		want := []string{"Amy 83.00 true ", "Ben 81.50 true ", "Chen 61.00 false " + match.ReasonFull}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("dry run:\n got %q\nwant %q", got, want)
		}
		if plan.Cutoff != 81.5 || plan.AwardsLeft != 0 {
			t.Fatalf("cutoff %v, awards left %d; want 81.5 and 0", plan.Cutoff, plan.AwardsLeft)
		}
		var n int64
		w.must(d.Table("scholarship_awards").Count(&n).Error, "count")
		if n != 0 {
			t.Fatalf("a dry run stored %d awards", n)
		}

		done, err := w.svc.Award(w.ctx, w.office, c.ID)
		w.must(err, "award")
		if done.Awarded != 2 || done.Spent != 2000 {
			t.Fatalf("awarded %d for %d, want 2 for 2000", done.Awarded, done.Spent)
		}
		var mails int64
		w.must(d.Table("outbox").Where("kind = ?", "scholarship_awarded").Count(&mails).Error, "mails")
		if mails != 2 {
			t.Fatalf("%d award mails, want 2", mails)
		}
		// Running again gives nothing more: the awards are spent.
		again, err := w.svc.Award(w.ctx, w.office, c.ID)
		w.must(err, "award again")
		if again.Awarded != 0 {
			t.Fatalf("a second run awarded %d", again.Awarded)
		}

		rows, err := w.svc.Register(w.ctx, w.office, 2027, c.ID)
		w.must(err, "register")
		if len(rows) != 2 || rows[0].StudentName != "Amy" {
			t.Fatalf("register %+v", rows)
		}
		// A student sees only their own award; the letter's code verifies.
		if _, err := w.svc.AwardFor(w.ctx, cc, rows[0].ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("another student's award: %v", err)
		}
		found, err := w.svc.Verify(w.ctx, strings.ToLower(rows[0].Code))
		w.must(err, "verify")
		if found.StudentName != "Amy" || found.Amount != 1000 {
			t.Fatalf("verified %+v", found)
		}

		// Disbursement moves one step at a time; a returned award gives its
		// money back, and the next in the ranking is awarded.
		amy := rows[0]
		if err := w.svc.SetStatus(w.ctx, w.office, amy.ID, scholarship.StatusReturned, amy.Version); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("awarded straight to returned: %v", err)
		}
		w.must(w.svc.SetStatus(w.ctx, w.office, amy.ID, scholarship.StatusPaid, amy.Version), "paid")
		w.must(w.svc.SetStatus(w.ctx, w.office, amy.ID, scholarship.StatusReturned, amy.Version+1), "returned")
		third, err := w.svc.Award(w.ctx, w.office, c.ID)
		w.must(err, "award after a return")
		if third.Awarded != 1 || third.Outcomes[0].StudentName != "Chen" {
			t.Fatalf("after a return: %+v", third)
		}
		var buf bytes.Buffer
		rows, err = w.svc.Register(w.ctx, w.office, 0, 0)
		w.must(err, "register")
		w.must(scholarship.WriteCSV(&buf, rows), "csv")
		if lines := strings.Count(buf.String(), "\n"); lines != 4 || !strings.Contains(buf.String(), ",returned,") {
			t.Fatalf("register CSV:\n%s", buf.String())
		}
		var audits int64
		w.must(d.Table("audit_events").Where("action LIKE ?", "scholarship.%").Count(&audits).Error, "audit")
		if audits < 10 {
			t.Fatalf("%d audit entries", audits)
		}
	})
}

func TestAStudentAsksAnAmountWithinTheCallsTotal(t *testing.T) {
	t.Parallel()
	d := testutil.OpenDB(t, testutil.SQLite)
	w := newWorld(t, d)
	c := w.call("", "", "5000")
	u, app := w.student("Amy", "nominated")
	_, err := w.svc.Save(w.ctx, u, c.ID, scholarship.RequestInput{ApplicationID: app, Motivation: "x", Amount: "6000"}, true)
	if apperr.FieldsOf(err)["amount"].Key != "scholarships.err.ask_total" {
		t.Fatalf("asking more than the call has: %v", err)
	}
	if r, _ := w.svc.Mine(w.ctx, u, c.ID); r != nil {
		t.Fatalf("a refused request was stored: %+v", r)
	}
	w.request(c, u, app, "3000", "50", "5")
	p, err := w.svc.DryRun(w.ctx, w.office, c.ID)
	w.must(err, "dry run")
	if p.Spent != 3000 || p.MoneyLeft != 2000 {
		t.Fatalf("spent %d, left %d", p.Spent, p.MoneyLeft)
	}
}

// Two award runs at once, by two office staff, never give more than the
// budget: the call's row is locked and the second run sees the first's
// awards.
func TestTwoAwardRunsAtOnceNeverExceedTheBudget(t *testing.T) {
	t.Parallel()
	d := testutil.OpenDB(t, testutil.Postgres)
	w := newWorld(t, d)
	other := w.person("office2", user.Office)
	for round := range 4 {
		c := w.call("1000", "", "2500")
		for i := range 6 {
			u, app := w.student(fmt.Sprintf("s%d-%d", round, i), "nominated")
			w.request(c, u, app, "", fmt.Sprint(50+i*7), "5")
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, by := range []*user.User{w.office, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = w.svc.Award(w.ctx, by, c.ID)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			w.must(err, "award")
		}
		var got struct {
			N   int
			Sum int64
		}
		w.must(d.Table("scholarship_awards").Select("COUNT(*) AS n, COALESCE(SUM(amount), 0) AS sum").
			Where("call_id = ?", c.ID).Scan(&got).Error, "sum")
		if got.N != 2 || got.Sum != 2000 {
			t.Fatalf("round %d: %d awards for %d, want 2 for 2000 within 2500", round, got.N, got.Sum)
		}
	}
}
