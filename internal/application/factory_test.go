package application_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/document"
	"portal/internal/i18n"
	"portal/internal/testutil"
	"portal/internal/user"
)

// start is the fixed "now" of every test: 2026-11-21, 09:00 UTC.
var start = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

// outbox records what the workflow enqueued, and fails on demand.
type outbox struct {
	mu   sync.Mutex
	sent []string
	fail bool
}

func (o *outbox) Enqueue(tx *gorm.DB, kind string, recipient int64, data map[string]any, link string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail {
		return errors.New("outbox down")
	}
	o.sent = append(o.sent, fmt.Sprintf("%s to %d: %v -> %v %s", kind, recipient, data["from"], data["to"], link))
	return nil
}

func (o *outbox) count() int { o.mu.Lock(); defer o.mu.Unlock(); return len(o.sent) }

// world is a catalog with one partner, its agreement and two electives,
// people of every role, and the workflow on a fresh database.
type world struct {
	t       *testing.T
	ctx     context.Context
	d       *db.DB
	clock   *testutil.Clock
	out     *outbox
	cat     *catalog.Service
	s       *application.Service
	partner *catalog.Institution
	deal    *catalog.Agreement // quota 1000: the matrix nominates often
	// ward is an internal-medicine elective under the agreement that
	// requires a passport and a transcript; p1 and p2 are its periods
	// (50 seats each), starting 60 and 100 days ahead.
	ward   *catalog.Elective
	p1, p2 *catalog.Period
	// lab is a surgery elective outside any agreement, requiring nothing,
	// with one period of 10 seats at the dates of p1.
	lab *catalog.Elective
	p3  *catalog.Period

	student, other                *user.User // other is another student
	reviewer, reviewer2, outsider *user.User // outsider reviews surgery only
	office, admin, nobody         *user.User
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: context.Background(), d: d, clock: testutil.NewClock(start), out: &outbox{}}
	w.cat = catalog.NewService(d, b, w.clock.Now)
	w.s = application.NewService(d, application.Options{Now: w.clock.Now, Outbox: w.out})
	inst, err := w.cat.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Kumamoto University", NameLocal: "熊本大学",
		Country: "JP", City: "Kumamoto", Kind: "university"})
	w.must(err, "partner")
	w.partner = inst
	w.deal = w.agreement(1000)
	w.ward = w.elective("Hepatology clinical elective", "internal_medicine", &w.deal.ID, "passport", "transcript")
	w.p1 = w.period(w.ward.ID, 60, 87, 50)
	w.p2 = w.period(w.ward.ID, 100, 127, 50)
	w.lab = w.elective("Surgical research exchange", "surgery", nil)
	w.p3 = w.period(w.lab.ID, 60, 87, 10)

	w.student = w.person("student", user.Student)
	w.other = w.person("other student", user.Student)
	w.reviewer = w.person("reviewer", user.Reviewer)
	w.reviewer2 = w.person("second reviewer", user.Reviewer)
	w.outsider = w.person("surgery reviewer", user.Reviewer)
	w.office = w.person("office", user.Office)
	w.admin = w.person("admin", user.Admin)
	w.nobody = w.person("nobody")
	w.grant(w.reviewer, "internal_medicine")
	w.grant(w.reviewer2, "internal_medicine")
	w.grant(w.outsider, "surgery")
	for _, u := range []*user.User{w.student, w.other} {
		w.wallet(u)
	}
	return w
}

// wallet fills u's wallet with what the ward requires.
func (w *world) wallet(u *user.User) {
	w.doc(u, "passport", 1000)
	w.doc(u, "transcript", 0)
}

// applicant is a new student with a full wallet: an application of their
// own overlaps no placement of anyone else's tests.
func (w *world) applicant() *user.User {
	w.t.Helper()
	u := w.person("student "+key()[:6], user.Student)
	w.wallet(u)
	return u
}

// run runs fn as a subtest with the world's helpers failing that subtest.
func (w *world) run(name string, fn func(t *testing.T)) {
	parent := w.t
	defer func() { w.t = parent }()
	parent.Run(name, func(t *testing.T) {
		w.t = t
		fn(t)
	})
}

func (w *world) must(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v (fields %v)", what, err, apperr.FieldsOf(err))
	}
}

func day(days int) string { return start.AddDate(0, 0, days).Format(time.DateOnly) }

func (w *world) agreement(quota int) *catalog.Agreement {
	w.t.Helper()
	a, err := w.cat.CreateAgreement(w.ctx, catalog.AgreementInput{InstitutionID: w.partner.ID, Kind: "student_exchange",
		Title: "Student exchange", ValidFrom: day(-100), ValidUntil: day(700), QuotaOut: fmt.Sprint(quota), QuotaIn: "2"})
	w.must(err, "agreement")
	return a
}

func (w *world) elective(title, specialty string, agreement *int64, docs ...string) *catalog.Elective {
	w.t.Helper()
	in := catalog.ElectiveInput{Direction: catalog.Outgoing, InstitutionID: w.partner.ID, Kind: "clinical_elective",
		TitleEN: title, Specialty: specialty, Language: "en", MinYear: "5", DurationWeeks: "4",
		RequiredDocs: docs, OpensOn: day(-30), ClosesOn: day(30)}
	if agreement != nil {
		in.AgreementID = *agreement
	}
	e, err := w.cat.CreateElective(w.ctx, in)
	w.must(err, "elective "+title)
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
	u := &user.User{Issuer: "test", Subject: name, Name: name, CreatedAt: start, UpdatedAt: start}
	w.must(w.d.Create(u).Error, "person "+name)
	u.Roles = roles
	return u
}

func (w *world) grant(u *user.User, specialty string) {
	w.t.Helper()
	w.must(w.s.GrantScope(w.ctx, u.ID, specialty, w.admin.ID, audit.Meta{}), "grant scope")
}

// doc puts a document in u's wallet expiring in days (never when 0).
func (w *world) doc(u *user.User, typ string, days int) *document.Document {
	w.t.Helper()
	d := &document.Document{OwnerID: u.ID, Version: 1, Type: typ, StorageKey: key(), FileName: typ + ".pdf",
		MediaType: "application/pdf", Size: 100, SHA256: key(), UploadedAt: start}
	if days != 0 {
		exp := start.AddDate(0, 0, days)
		d.ExpiresOn = &exp
	}
	w.must(w.d.Create(d).Error, "document")
	w.must(w.d.Model(d).Update("chain_id", d.ID).Error, "document chain")
	return d
}

func key() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// draft starts an application of u for the first of periods (the ward's
// first when none) and ranks the others after it; the statement is
// filled in.
func (w *world) draft(u *user.User, periods ...*catalog.Period) *application.Application {
	w.t.Helper()
	if len(periods) == 0 {
		periods = []*catalog.Period{w.p1}
	}
	a, err := w.s.CreateDraft(w.ctx, u, application.StartInput{Key: key(), ElectiveID: periods[0].ElectiveID, PeriodID: periods[0].ID})
	w.must(err, "create draft")
	in := application.DraftInput{Version: a.Version, Statement: "I want to learn hepatology in Kumamoto."}
	for _, p := range periods {
		in.Choices = append(in.Choices, application.ChoiceInput{ElectiveID: p.ElectiveID, PeriodID: p.ID})
	}
	a, err = w.s.SaveDraft(w.ctx, u, a.ID, in)
	w.must(err, "save draft")
	return a
}

// path is how an application reaches each stage from a draft.
var path = map[application.Stage][]application.Action{
	application.Draft:            nil,
	application.Submitted:        {application.Submit},
	application.DepartmentReview: {application.Submit, application.StartReview},
	application.OfficeReview:     {application.Submit, application.StartReview, application.Approve},
	application.Nominated:        {application.Submit, application.StartReview, application.Approve, application.Nominate},
	application.Waitlisted:       {application.Submit, application.StartReview, application.Approve, application.Nominate, application.HostWaitlist},
	application.HostRejected:     {application.Submit, application.StartReview, application.Approve, application.Nominate, application.HostReject},
	application.HostAccepted:     {application.Submit, application.StartReview, application.Approve, application.Nominate, application.HostAccept},
	application.Confirmed:        {application.Submit, application.StartReview, application.Approve, application.Nominate, application.HostAccept, application.AcceptOffer},
	application.Completed:        {application.Submit, application.StartReview, application.Approve, application.Nominate, application.HostAccept, application.AcceptOffer, application.Recognise},
	application.Declined:         {application.Submit, application.StartReview, application.Approve, application.Nominate, application.HostAccept, application.DeclineOffer},
	application.Expired:          {application.Submit, application.StartReview, application.Approve, application.Nominate, application.HostAccept, application.Expire},
	application.Returned:         {application.Submit, application.Return},
	application.Rejected:         {application.Submit, application.Reject},
	application.Withdrawn:        {application.Withdraw},
}

// at makes an application of u, with the ward's two periods as choices,
// and moves it to stage along path.
func (w *world) at(u *user.User, stage application.Stage) *application.Application {
	w.t.Helper()
	return w.along(w.draft(u, w.p1, w.p2), u, stage)
}

// along moves a draft of u to stage along path.
func (w *world) along(a *application.Application, u *user.User, stage application.Stage) *application.Application {
	w.t.Helper()
	for _, act := range path[stage] {
		var err error
		a, err = w.do(act, w.partyUser(act, u, a), a)
		w.must(err, fmt.Sprintf("%s towards %s", act, stage))
	}
	if a.Status != stage {
		w.t.Fatalf("reached %s, want %s", a.Status, stage)
	}
	return a
}

// partyUser is who takes act on a in the normal course: its applicant,
// the reviewer of its specialty, the office.
func (w *world) partyUser(act application.Action, applicant *user.User, a *application.Application) *user.User {
	for _, t := range application.Transitions {
		if t.Action != act {
			continue
		}
		switch t.By {
		case application.Applicant:
			return applicant
		case application.Reviewer:
			if a.Specialty == "surgery" {
				return w.outsider
			}
			return w.reviewer
		case application.Office:
			return w.office
		}
	}
	return nil
}

// do takes act on a as u through the service, with valid input; Expire
// runs the system's expiry past the offer's deadline, whoever u is.
func (w *world) do(act application.Action, u *user.User, a *application.Application) (*application.Application, error) {
	ctx, id, v := w.ctx, a.ID, a.Version
	s := w.s
	review := application.ReviewInput{Version: v, Comment: "Looks good."}
	switch act {
	case application.Submit, application.Resubmit:
		return s.Submit(ctx, u, id, application.SubmitInput{Version: v, Key: key()})
	case application.StartReview:
		return s.StartReview(ctx, u, id, review)
	case application.Approve:
		return s.Approve(ctx, u, id, review)
	case application.Return:
		return s.ReturnForChanges(ctx, u, id, application.ReviewInput{Version: v, Comment: "Please shorten the statement."})
	case application.Reject:
		return s.Reject(ctx, u, id, application.ReviewInput{Version: v, Comment: "Year of study too early."})
	case application.Nominate:
		return s.Nominate(ctx, u, id, review)
	case application.HostAccept, application.HostReject, application.HostWaitlist:
		decision := map[application.Action]string{application.HostAccept: application.HostDecisionAccepted,
			application.HostReject: application.HostDecisionRejected, application.HostWaitlist: application.HostDecisionWaitlisted}[act]
		return s.RecordHostDecision(ctx, u, id, application.HostDecisionInput{Version: v, Rank: a.CurrentChoice, Decision: decision})
	case application.Promote:
		return s.PromoteFromWaitlist(ctx, u, id, review)
	case application.AcceptOffer:
		return s.AcceptOffer(ctx, u, id, application.AnswerInput{Version: v})
	case application.DeclineOffer:
		return s.DeclineOffer(ctx, u, id, application.AnswerInput{Version: v})
	case application.Recognise:
		defer w.clock.Set(w.clock.Now())
		w.clock.Set(start.AddDate(0, 0, 200)) // after both periods
		return s.Recognise(ctx, u, id, v, nil)
	case application.Withdraw:
		return s.Withdraw(ctx, u, id, application.AnswerInput{Version: v})
	case application.Expire:
		n, err := s.ExpireOffers(ctx, w.clock.Now().AddDate(0, 0, 15))
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, apperr.New(apperr.Invalid, "application.err.not_now")
		}
		return w.reload(a), nil
	}
	w.t.Fatalf("no service method for %s", act)
	return nil, nil
}

// reload reads a back from the database.
func (w *world) reload(a *application.Application) *application.Application {
	w.t.Helper()
	var out application.Application
	w.must(w.d.Take(&out, a.ID).Error, "reload application")
	return &out
}

func (w *world) events(id int64) []application.Event {
	w.t.Helper()
	var out []application.Event
	w.must(w.d.Where("application_id = ?", id).Order("id").Find(&out).Error, "events")
	return out
}

func (w *world) taken(p *catalog.Period) int {
	w.t.Helper()
	var got catalog.Period
	w.must(w.d.Take(&got, p.ID).Error, "period")
	return got.Taken
}

func (w *world) choices(id int64) []application.Choice {
	w.t.Helper()
	var out []application.Choice
	w.must(w.d.Where("application_id = ?", id).Order("rank").Find(&out).Error, "choices")
	return out
}

// wantCode checks err's code and, when given, its message key.
func wantCode(t *testing.T, err error, code apperr.Code, key string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != code || (key != "" && ae.Key != key) {
		t.Fatalf("error %v, want %s with key %q", err, code, key)
	}
}

// wantField checks that err is invalid with key on field.
func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("error %v, want invalid with %s on %s", err, key, field)
	}
	if got := apperr.FieldsOf(err)[field].Key; got != key {
		t.Fatalf("fields %v, want %s on %s", apperr.FieldsOf(err), key, field)
	}
}
