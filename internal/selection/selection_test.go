package selection_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/selection"
	"portal/internal/selection/match"
	"portal/internal/testutil"
	"portal/internal/user"
)

// start is the fixed "now" of every test: 2026-11-21, 09:00 UTC.
var start = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

// world is a partner with an agreement, three periods of few seats, people
// of every role, the application workflow and the rounds on one database.
type world struct {
	t                *testing.T
	ctx              context.Context
	d                *db.DB
	cat              *catalog.Service
	apps             *application.Service
	sel              *selection.Service
	partner          *catalog.Institution
	deal             *catalog.Agreement
	ward, lab        *catalog.Elective
	p1, p2, p3       *catalog.Period // 2, 1 and 1 seats
	reviewer, office *user.User
	outsider         *user.User // a reviewer of surgery only
	clock            *testutil.Clock
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	clock := testutil.NewClock(start)
	w := &world{t: t, ctx: context.Background(), d: d, clock: clock}
	w.cat = catalog.NewService(d, b, clock.Now)
	w.apps = application.NewService(d, application.Options{Now: clock.Now})
	w.sel = selection.NewService(d, selection.Options{Now: clock.Now, Applications: w.apps})
	w.partner, err = w.cat.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Kumamoto University", NameLocal: "熊本大学",
		Country: "JP", City: "Kumamoto", Kind: "university"})
	w.must(err, "partner")
	w.deal, err = w.cat.CreateAgreement(w.ctx, catalog.AgreementInput{InstitutionID: w.partner.ID, Kind: "student_exchange",
		Title: "Student exchange", ValidFrom: day(-100), ValidUntil: day(700), QuotaOut: "100", QuotaIn: "2"})
	w.must(err, "agreement")
	w.ward = w.elective("Hepatology clinical elective", "internal_medicine", &w.deal.ID)
	w.lab = w.elective("Surgical research exchange", "surgery", nil)
	w.p1 = w.period(w.ward.ID, 60, 87, 2)
	w.p2 = w.period(w.ward.ID, 100, 127, 1)
	w.p3 = w.period(w.lab.ID, 130, 157, 1)
	w.reviewer = w.person("reviewer", user.Reviewer)
	w.outsider = w.person("surgeon", user.Reviewer)
	w.office = w.person("office", user.Office)
	w.must(w.apps.GrantScope(w.ctx, w.reviewer.ID, "internal_medicine", w.office.ID, audit.Meta{}), "scope")
	w.must(w.apps.GrantScope(w.ctx, w.outsider.ID, "surgery", w.office.ID, audit.Meta{}), "scope")
	return w
}

func day(days int) string { return start.AddDate(0, 0, days).Format(time.DateOnly) }

func key() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (w *world) must(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v (fields %v)", what, err, apperr.FieldsOf(err))
	}
}

func (w *world) elective(title, specialty string, agreement *int64) *catalog.Elective {
	w.t.Helper()
	in := catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: w.partner.ID, Kind: "clinical_elective",
		TitleEN: title, Specialty: specialty, Language: "en", MinYear: "5", DurationWeeks: "4", OpensOn: day(-30), ClosesOn: day(30)}
	if agreement != nil {
		in.AgreementID = *agreement
	}
	e, err := w.cat.CreateElective(w.ctx, in)
	w.must(err, "elective")
	return e
}

func (w *world) period(electiveID int64, from, to, capacity int) *catalog.Period {
	w.t.Helper()
	p, err := w.cat.AddPeriod(w.ctx, electiveID, catalog.PeriodInput{StartsOn: day(from), EndsOn: day(to), Capacity: fmt.Sprint(capacity)})
	w.must(err, "period")
	return p
}

func (w *world) person(name string, roles ...user.Role) *user.User {
	w.t.Helper()
	u := &user.User{Issuer: "test", Subject: name + key(), Name: name, CreatedAt: start, UpdatedAt: start}
	w.must(w.d.Create(u).Error, "person "+name)
	u.Roles = roles
	return u
}

// approved is a new student's application for periods in order, approved
// by the department: at office_review, where a round can nominate it.
func (w *world) approved(name string, periods ...*catalog.Period) *application.Application {
	w.t.Helper()
	u := w.person(name, user.Student)
	a, err := w.apps.CreateDraft(w.ctx, u, application.StartInput{Key: key(), ElectiveID: periods[0].ElectiveID, PeriodID: periods[0].ID})
	w.must(err, "draft")
	in := application.DraftInput{Version: a.Version, Statement: "I want to learn."}
	for _, p := range periods {
		in.Choices = append(in.Choices, application.ChoiceInput{ElectiveID: p.ElectiveID, PeriodID: p.ID})
	}
	a, err = w.apps.SaveDraft(w.ctx, u, a.ID, in)
	w.must(err, "save")
	a, err = w.apps.Submit(w.ctx, u, a.ID, application.SubmitInput{Version: a.Version, Key: key()})
	w.must(err, "submit")
	rv := w.reviewer
	if a.Specialty == "surgery" {
		rv = w.outsider
	}
	a, err = w.apps.StartReview(w.ctx, rv, a.ID, application.ReviewInput{Version: a.Version})
	w.must(err, "start review")
	a, err = w.apps.Approve(w.ctx, rv, a.ID, application.ReviewInput{Version: a.Version})
	w.must(err, "approve")
	return a
}

func (w *world) applicant(a *application.Application) *user.User {
	var u user.User
	w.must(w.d.Take(&u, a.ApplicantID).Error, "applicant")
	u.Roles = []user.Role{user.Student}
	return &u
}

// round opens a round over p1, p2 and p3 with two components: grades
// (weight 70, 0 to 100) and an oral exam (weight 30, 0 to 10).
func (w *world) round(weights ...string) *selection.Full {
	w.t.Helper()
	if len(weights) == 0 {
		weights = []string{"70", "30"}
	}
	r, err := w.sel.Create(w.ctx, w.office, selection.RoundInput{Name: "2027 spring", Term: "2027 spring", Deadline: day(20),
		AppealDays: "7", RuleMinYear: true, RuleLanguage: true, RulePrior: true, PeriodIDs: []int64{w.p1.ID, w.p2.ID, w.p3.ID},
		Components: []selection.ComponentInput{
			{NameEN: "Grades", NameZH: "成績", Weight: weights[0], MinValue: "0", MaxVal: "100"},
			{NameEN: "Oral exam", NameZH: "口試", Weight: weights[1], MinValue: "0", MaxVal: "10"},
		}, Tiebreaks: []string{"component:2", "submitted"}})
	w.must(err, "create round")
	f, err := w.sel.Get(w.ctx, w.office, r.ID)
	w.must(err, "get round")
	return f
}

func (w *world) score(f *selection.Full, by *user.User, a *application.Application, grades, oral string) {
	w.t.Helper()
	w.must(w.sel.SetScores(w.ctx, by, f.ID, a.ID, map[int64]string{f.Components[0].ID: grades, f.Components[1].ID: oral}), "score")
}

func (w *world) version(id int64) int {
	f, err := w.sel.Get(w.ctx, w.office, id)
	w.must(err, "get round")
	return f.Version
}

func TestScoresAreAuditedAndAValueOutOfRangeChangesNothing(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.approved("Ann", w.p1)
		s := w.approved("Sam", w.p3)
		f := w.round()
		w.score(f, w.reviewer, a, "88.5", "7")
		err := w.sel.SetScores(w.ctx, w.office, f.ID, a.ID, map[int64]string{f.Components[0].ID: "101", f.Components[1].ID: "2"})
		if apperr.FieldsOf(err)["c"+strconv.FormatInt(f.Components[0].ID, 10)].Key != "selection.err.value_range" {
			t.Fatalf("a grade of 101 on 0..100: %v", err)
		}
		if err := w.sel.SetScores(w.ctx, w.reviewer, f.ID, s.ID, map[int64]string{f.Components[0].ID: "50"}); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("an internal-medicine reviewer scored a surgery applicant: %v", err)
		}
		_, list, err := w.sel.Applicants(w.ctx, w.office, f.ID)
		w.must(err, "applicants")
		if len(list) != 2 {
			t.Fatalf("the office sees %d applicants, want 2", len(list))
		}
		for _, ap := range list {
			if ap.ApplicationID == a.ID && (ap.Values[f.Components[1].ID] != 700 || ap.Score != 8295) {
				t.Fatalf("Ann's oral %d and score %d after a refused change, want 700 and 82.95", ap.Values[f.Components[1].ID], ap.Score)
			}
		}
		_, mine, err := w.sel.Applicants(w.ctx, w.reviewer, f.ID)
		w.must(err, "reviewer's applicants")
		if len(mine) != 1 || mine[0].ApplicationID != a.ID {
			t.Fatalf("the internal-medicine reviewer sees %+v, want Ann alone", mine)
		}
		var n int64
		w.must(d.Model(&audit.Event{}).Where("action = ? AND object_id = ?", "selection.score.set", strconv.FormatInt(f.ID, 10)).Count(&n).Error, "audit")
		if n != 2 {
			t.Fatalf("%d score changes audited, want 2", n)
		}
	})
}

func TestADryRunPlacesByScoreExplainsAndComparesAfterAChangeOfWeights(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		// Three want p2 (one seat) first, then p1 (two seats).
		ann := w.approved("Ann", w.p2, w.p1)
		ben := w.approved("Ben", w.p2, w.p1)
		cat := w.approved("Cat", w.p2, w.p1)
		dan := w.approved("Dan", w.p2, w.p1)
		f := w.round()
		w.score(f, w.office, ann, "90", "9") // 90
		w.score(f, w.office, ben, "95", "5") // 81.5
		w.score(f, w.office, cat, "80", "8") // 80
		w.score(f, w.office, dan, "70", "2") // 55

		run, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, f.Version)
		w.must(err, "dry run")
		got := map[int64]match.Outcome{}
		for _, o := range run.Result.Outcomes {
			got[o.ApplicantID] = o
		}
		if got[ann.ID].PeriodID != w.p2.ID || got[ben.ID].PeriodID != w.p1.ID || got[cat.ID].PeriodID != w.p1.ID || got[dan.ID].RankGiven != 0 {
			t.Fatalf("placements %+v", got)
		}
		skip := got[ben.ID].Skipped
		if len(skip) != 1 || skip[0].Reason != match.ReasonFull || len(skip[0].TakenBy) != 1 || skip[0].TakenBy[0] != 90 || got[ben.ID].Score != 81.5 {
			t.Fatalf("Ben's first choice is explained as %+v (score %v), want full, taken by 90", skip, got[ben.ID].Score)
		}
		if run.Result.Cutoff[w.p1.ID] != 80 {
			t.Fatalf("p1's cutoff %v, want 80", run.Result.Cutoff[w.p1.ID])
		}

		// The oral exam now weighs as much as the grades: Ben (72.5) drops below Cat (80).
		r, err := w.sel.Update(w.ctx, w.office, f.ID, selection.RoundInput{Version: w.version(f.ID), Name: f.Name, Term: f.Term,
			Deadline: day(20), AppealDays: "7", RuleMinYear: true, RuleLanguage: true, RulePrior: true,
			PeriodIDs: []int64{w.p1.ID, w.p2.ID, w.p3.ID}, Components: []selection.ComponentInput{
				{ID: f.Components[0].ID, NameEN: "Grades", NameZH: "成績", Weight: "50", MinValue: "0", MaxVal: "100"},
				{ID: f.Components[1].ID, NameEN: "Oral exam", NameZH: "口試", Weight: "50", MinValue: "0", MaxVal: "10"},
			}})
		w.must(err, "change weights")
		_, list, err := w.sel.Applicants(w.ctx, w.office, f.ID)
		w.must(err, "applicants")
		for _, ap := range list {
			if !ap.Complete {
				t.Fatalf("%s lost a score when the weights changed", ap.Name)
			}
		}
		second, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, r.Version)
		w.must(err, "second dry run")
		a, b, diff, err := w.sel.Compare(w.ctx, w.office, f.ID, run.Seq, second.Seq)
		w.must(err, "compare")
		if a.Seq != 1 || b.Seq != 2 || diff.OrderChange == 0 {
			t.Fatalf("compare %d with %d: %+v", a.Seq, b.Seq, diff)
		}
		if _, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, r.Version); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("a dry run at a stale version: %v", err)
		}
	})
}

func TestPublishingNominatesThePlacedOnceAndTheStudentThenSeesTheirOutcome(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ann := w.approved("Ann", w.p2, w.p1)
		ben := w.approved("Ben", w.p2, w.p1)
		cat := w.approved("Cat", w.p1)
		dan := w.approved("Dan", w.p1)
		f := w.round()
		w.score(f, w.office, ann, "90", "9")
		w.score(f, w.office, ben, "95", "5")
		w.score(f, w.office, cat, "80", "6")
		w.score(f, w.office, dan, "70", "2")
		if v, err := w.sel.ForApplication(w.ctx, w.applicant(ben), ben.ID); err != nil || v != nil {
			t.Fatalf("before publication Ben reads %+v, %v", v, err)
		}
		_, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, f.Version)
		w.must(err, "dry run")
		// A score changed after the dry run: publish the dry run the office
		// has not seen? No.
		w.clock.Advance(time.Minute)
		w.score(f, w.office, dan, "70", "3")
		if _, err := w.sel.Publish(w.ctx, w.office, f.ID, w.version(f.ID)); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("publishing a dry run older than a score: %v", err)
		}
		w.clock.Advance(time.Minute)
		_, err = w.sel.RunDryRun(w.ctx, w.office, f.ID, w.version(f.ID))
		w.must(err, "dry run again")
		rep, err := w.sel.Publish(w.ctx, w.office, f.ID, w.version(f.ID))
		w.must(err, "publish")
		if rep.Nominated != 3 || rep.Waitlisted != 1 {
			t.Fatalf("publication: %+v, want 3 nominated and 1 waitlisted", rep)
		}
		for id, rank := range map[int64]int{ann.ID: 1, ben.ID: 2, cat.ID: 1} {
			var a application.Application
			w.must(d.Take(&a, id).Error, "read")
			if a.Status != application.Nominated || a.CurrentChoice != rank {
				t.Fatalf("application %d is %s at choice %d, want nominated at %d", id, a.Status, a.CurrentChoice, rank)
			}
		}
		again, err := w.sel.Publish(w.ctx, w.office, f.ID, w.version(f.ID))
		w.must(err, "publish again")
		if again.Nominated != 0 || again.Already != 3 {
			t.Fatalf("publishing again: %+v", again)
		}
		var events int64
		w.must(d.Model(&application.Event{}).Where("action = ?", application.Nominate).Count(&events).Error, "events")
		if events != 3 {
			t.Fatalf("%d nominations recorded, want 3", events)
		}
		v, err := w.sel.ForApplication(w.ctx, w.applicant(ben), ben.ID)
		w.must(err, "Ben's outcome")
		if v == nil || v.Outcome != selection.OutcomePlaced || v.RankGiven != 2 || v.ScoreCenti != 8150 || len(v.Skips) != 1 {
			t.Fatalf("Ben reads %+v", v)
		}
		dv, err := w.sel.ForApplication(w.ctx, w.applicant(dan), dan.ID)
		w.must(err, "Dan's outcome")
		if dv == nil || dv.Outcome != selection.OutcomeWaitlisted || dv.WaitlistPos != 1 {
			t.Fatalf("Dan reads %+v", dv)
		}
		if v, _ := w.sel.ForApplication(w.ctx, w.applicant(dan), ben.ID); v != nil {
			t.Fatal("Dan reads Ben's outcome")
		}
	})
}

// Publishing twice at once while students withdraw: every placed
// application still there is nominated exactly once, no withdrawn one is,
// and no period holds more nominations than the round placed there.
func TestPublishingTwiceAtOnceWhileStudentsWithdrawKeepsEveryCountExact(t *testing.T) {
	d := testutil.OpenDB(t, testutil.Postgres)
	w := newWorld(t, d)
	var apps []*application.Application
	for i := range 12 {
		ps := []*catalog.Period{w.p1, w.p2}
		if i%3 == 0 {
			ps = []*catalog.Period{w.p2, w.p1}
		}
		apps = append(apps, w.approved(fmt.Sprintf("student %d", i), ps...))
	}
	f := w.round()
	for i, a := range apps {
		w.score(f, w.office, a, strconv.Itoa(50+i*4), "5")
	}
	_, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, f.Version)
	w.must(err, "dry run")
	v := w.version(f.ID)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.sel.Publish(w.ctx, w.office, f.ID, v); err != nil && apperr.CodeOf(err) != apperr.Conflict {
				errs <- err
			}
		}()
	}
	withdrawn := map[int64]bool{}
	for _, a := range apps[len(apps)-4:] { // the best four, placed
		wg.Add(1)
		go func(a *application.Application) {
			defer wg.Done()
			for {
				var cur application.Application
				if err := d.Take(&cur, a.ID).Error; err != nil {
					errs <- err
					return
				}
				_, err := w.apps.Withdraw(w.ctx, w.applicant(a), a.ID, application.AnswerInput{Version: cur.Version})
				if apperr.CodeOf(err) == apperr.Conflict {
					continue // nominated meanwhile: withdraw from there
				}
				if err != nil {
					errs <- err
				}
				return
			}
		}(a)
		withdrawn[a.ID] = true
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// A last call finishes what a withdrawal interrupted, and changes nothing else.
	_, err = w.sel.Publish(w.ctx, w.office, f.ID, v)
	w.must(err, "publish after")

	var outcomes []selection.Outcome
	w.must(d.Where("round_id = ?", f.ID).Find(&outcomes).Error, "outcomes")
	placed := map[int64]int{}
	for _, o := range outcomes {
		if o.Outcome == selection.OutcomePlaced {
			placed[*o.PeriodID]++
		}
	}
	if placed[w.p1.ID] != 2 || placed[w.p2.ID] != 1 {
		t.Fatalf("placed per period %v", placed)
	}
	var events []application.Event
	w.must(d.Where("action = ?", application.Nominate).Find(&events).Error, "events")
	per := map[int64]int{}
	for _, e := range events {
		per[e.ApplicationID]++
	}
	for id, n := range per {
		if n != 1 {
			t.Fatalf("application %d nominated %d times", id, n)
		}
	}
	for _, o := range outcomes {
		var a application.Application
		w.must(d.Take(&a, o.ApplicationID).Error, "read")
		switch {
		case withdrawn[a.ID] && a.Status != application.Withdrawn:
			t.Fatalf("application %d withdrew but is %s", a.ID, a.Status)
		case !withdrawn[a.ID] && o.Outcome == selection.OutcomePlaced && a.Status != application.Nominated:
			t.Fatalf("placed application %d is %s", a.ID, a.Status)
		case !withdrawn[a.ID] && o.Outcome != selection.OutcomePlaced && a.Status != application.OfficeReview:
			t.Fatalf("unplaced application %d is %s", a.ID, a.Status)
		}
	}
	var holds int64
	w.must(d.Model(&application.Choice{}).Where("quota_agreement_id = ?", w.deal.ID).Count(&holds).Error, "quota")
	if int(holds) > 3 {
		t.Fatalf("%d quota places held, more than the 3 seats placed", holds)
	}
}

// Equal scores go by the round's published tie-break keys before the
// lottery: the oral exam first here.
func TestEqualScoresGoByThePublishedTieBreakKeys(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ann := w.approved("Ann", w.p2)
		ben := w.approved("Ben", w.p2)
		f := w.round("50", "50")
		w.score(f, w.office, ann, "80", "6") // 70, oral 6
		w.score(f, w.office, ben, "90", "5") // 70, oral 5
		run, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, f.Version)
		w.must(err, "dry run")
		for _, o := range run.Result.Outcomes {
			if placed := o.RankGiven > 0; placed != (o.ApplicantID == ann.ID) {
				t.Fatalf("with equal scores of 70 the better oral exam (Ann, %d) should win p2: %+v", ann.ID, run.Result.Outcomes)
			}
		}
		if run.Result.Outcomes[0].ApplicantID != ann.ID || run.Result.Outcomes[1].ApplicantID != ben.ID {
			t.Fatalf("service order %+v", run.Result.Outcomes)
		}
	})
}

// Anyone holding the dry run's three input files computes its result.csv.
func TestTheCSVFilesOfADryRunReproduceItsResult(t *testing.T) {
	d := testutil.OpenDB(t, testutil.SQLite)
	w := newWorld(t, d)
	var apps []*application.Application
	for i := range 6 {
		apps = append(apps, w.approved(fmt.Sprintf("student %d", i), w.p2, w.p1, w.p3))
	}
	f := w.round()
	for i, a := range apps {
		w.score(f, w.office, a, strconv.Itoa(60+i*5), strconv.Itoa(i%3+4))
	}
	run, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, f.Version)
	w.must(err, "dry run")
	var as, cs, ss, want, got bytes.Buffer
	w.must(match.WriteInputs(&as, &cs, &ss, run.Applicants, run.Seats), "write inputs")
	w.must(match.WriteResult(&want, run.Result), "write result")
	applicants, seats, err := match.ReadInputs(&as, &cs, &ss)
	w.must(err, "read inputs")
	w.must(match.WriteResult(&got, match.Run(applicants, seats)), "recompute")
	if got.String() != want.String() {
		t.Fatalf("result.csv from the files:\n%s\nwant:\n%s", got.String(), want.String())
	}
}

// The same round with the same seed gives the same result on both
// dialects, ties decided by the lottery included.
func TestADryRunIsTheSameOnBothDialects(t *testing.T) {
	results := map[string]string{}
	testutil.EachDialect(t, func(t *testing.T, dialect string) {
		d := testutil.OpenDB(t, dialect)
		w := newWorld(t, d)
		var apps []*application.Application
		for i := range 8 {
			apps = append(apps, w.approved(fmt.Sprintf("student %d", i), w.p2, w.p1, w.p3))
		}
		f := w.round()
		for i, a := range apps {
			w.score(f, w.office, a, strconv.Itoa(70+i%2*10), "5") // two scores only: the lottery decides
		}
		w.must(d.Model(&selection.Round{}).Where("id = ?", f.ID).Update("seed", 20270401).Error, "seed")
		run, err := w.sel.RunDryRun(w.ctx, w.office, f.ID, f.Version)
		w.must(err, "dry run")
		var b bytes.Buffer
		w.must(match.WriteResult(&b, run.Result), "result")
		results[dialect] = b.String()
	})
	if results[testutil.SQLite] != results[testutil.Postgres] {
		t.Fatalf("SQLite:\n%s\nPostgreSQL:\n%s", results[testutil.SQLite], results[testutil.Postgres])
	}
}
