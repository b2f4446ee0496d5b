package rotation_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/document"
	"portal/internal/i18n"
	"portal/internal/rotation"
	"portal/internal/testutil"
	"portal/internal/user"
	"portal/internal/wiring"
)

// start is the fixed "now" of every test: Saturday 2026-11-21, 09:00 UTC.
// The Monday after is 2026-11-23.
var start = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

// monday is the Monday n weeks after 2026-11-23, as a form sends it.
func monday(n int) string {
	return time.Date(2026, time.November, 23, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*n).Format(time.DateOnly)
}

// world is two departments that take rotations (rules: 2 to 8 weeks, 30
// days' lead), 16 published weeks of 3 seats each from 2026-11-23, and
// people of every role on a fresh database.
type world struct {
	t     *testing.T
	ctx   context.Context
	d     *db.DB
	clock *testutil.Clock
	s     *rotation.Service
	im    *catalog.Department // internal medicine: coordinated by coord
	surg  *catalog.Department // surgery: coordinated by outsider

	applicant, other     *user.User // incoming applicants with full wallets
	coord, outsider      *user.User
	office, admin, nobod *user.User
	student              *user.User // an outgoing student: no incoming rights
	next                 int        // spreads requests over the calendar
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: context.Background(), d: d, clock: testutil.NewClock(start)}
	cat := catalog.NewService(d, b, w.clock.Now)
	w.s = rotation.NewService(d, rotation.Options{Now: w.clock.Now, Outbox: wiring.WorkflowOutbox{}})
	w.im, err = cat.CreateDepartment(w.ctx, catalog.DepartmentInput{Code: "IM", NameEN: "Internal Medicine", NameZH: "內科部"})
	w.must(err, "department")
	w.surg, err = cat.CreateDepartment(w.ctx, catalog.DepartmentInput{Code: "SURG", NameEN: "Surgery", NameZH: "外科部"})
	w.must(err, "department")
	w.applicant = w.incoming("applicant")
	w.other = w.incoming("other applicant")
	w.coord = w.person("coordinator", user.Coordinator)
	w.outsider = w.person("surgery coordinator", user.Coordinator)
	w.office = w.person("office", user.Office)
	w.admin = w.person("admin", user.Admin)
	w.nobod = w.person("nobody")
	w.student = w.person("student", user.Student)
	w.must(w.s.GrantCoordinator(w.ctx, w.coord.ID, w.im.ID), "grant")
	w.must(w.s.GrantCoordinator(w.ctx, w.outsider.ID, w.surg.ID), "grant")
	for _, dep := range []int64{w.im.ID, w.surg.ID} {
		w.must(w.s.SetRules(w.ctx, w.office, dep, rotation.RulesInput{MinWeeks: "2", MaxWeeks: "8", LeadDays: "30"}), "rules")
		w.publish(dep, 0, 15, 10)
	}
	return w
}

func (w *world) must(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v (fields %v)", what, err, apperr.FieldsOf(err))
	}
}

// publish gives weeks from to to of dep seats seats, lowering them if
// need be, as a coordinator who confirmed.
func (w *world) publish(dep int64, from, to, seats int) {
	w.t.Helper()
	_, err := w.s.Publish(w.ctx, w.office, dep, rotation.PublishInput{
		RangeInput: rotation.RangeInput{From: monday(from), To: monday(to)}, Seats: fmt.Sprint(seats), Confirm: true})
	w.must(err, "publish")
}

func (w *world) person(name string, roles ...user.Role) *user.User {
	w.t.Helper()
	u := &user.User{Issuer: "test", Subject: name + key()[:6], Name: name, CreatedAt: start, UpdatedAt: start}
	w.must(w.d.Create(u).Error, "person "+name)
	u.Roles = roles
	return u
}

// incoming is a new incoming applicant whose wallet holds every document a
// request needs, the insurance valid for a year.
func (w *world) incoming(name string) *user.User {
	w.t.Helper()
	u := w.person(name, user.Incoming)
	for _, typ := range rotation.RequiredDocs {
		days := 0
		if typ == "insurance" {
			days = 365
		}
		w.doc(u, typ, days)
	}
	return u
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

// docs are u's current document ids.
func (w *world) docs(u *user.User) []int64 {
	w.t.Helper()
	var ids []int64
	w.must(w.d.Model(&document.Document{}).Where("owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL", u.ID).
		Order("id").Pluck("id", &ids).Error, "docs")
	return ids
}

// choice is a choice at dep from Monday week n for weeks weeks.
func choice(dep int64, n, weeks int) rotation.ChoiceInput {
	return rotation.ChoiceInput{DepartmentID: dep, StartsOn: monday(n), Weeks: fmt.Sprint(weeks)}
}

// draft creates a request of u with the choices and all of u's documents.
func (w *world) draft(u *user.User, choices ...rotation.ChoiceInput) *rotation.Request {
	w.t.Helper()
	r, err := w.s.CreateDraft(w.ctx, u, rotation.DraftInput{Key: key(), Choices: choices, Documents: w.docs(u)})
	w.must(err, "create draft")
	return r
}

// spread is a two-week choice in internal medicine, each call's in other
// weeks (4-5, 6-7, ... 12-13 in turn), so that many accepted requests fit.
func (w *world) spread() rotation.ChoiceInput {
	w.next++
	return choice(w.im.ID, 4+2*(w.next%5), 2)
}

// submitted is a submitted request of u for two weeks of internal medicine.
func (w *world) submitted(u *user.User, choices ...rotation.ChoiceInput) *rotation.Request {
	w.t.Helper()
	if len(choices) == 0 {
		choices = []rotation.ChoiceInput{w.spread()}
	}
	r := w.draft(u, choices...)
	r, err := w.s.Submit(w.ctx, u, r.ID, rotation.SubmitInput{Version: r.Version, Key: key()})
	w.must(err, "submit")
	return r
}

// at brings a fresh request of u (or a new applicant) to stage.
func (w *world) at(stage rotation.Stage, u *user.User) *rotation.Request {
	w.t.Helper()
	if u == nil {
		u = w.incoming("applicant " + key()[:4])
	}
	in := func(r *rotation.Request) rotation.ReviewInput {
		return rotation.ReviewInput{Version: r.Version, Comment: "because"}
	}
	var r *rotation.Request
	var err error
	switch stage {
	case rotation.Draft:
		return w.draft(u, w.spread())
	case rotation.Submitted:
		return w.submitted(u)
	case rotation.DepartmentReview:
		r = w.at(rotation.Submitted, u)
		r, err = w.s.StartReview(w.ctx, w.coord, r.ID, in(r))
	case rotation.OfficeReview:
		r = w.at(rotation.DepartmentReview, u)
		r, err = w.s.Forward(w.ctx, w.coord, r.ID, in(r))
	case rotation.Waitlisted:
		r = w.at(rotation.OfficeReview, u)
		r, err = w.s.Waitlist(w.ctx, w.office, r.ID, in(r))
	case rotation.Accepted:
		r = w.at(rotation.OfficeReview, u)
		r, err = w.s.Accept(w.ctx, w.office, r.ID, rotation.AcceptInput{Version: r.Version, Rank: 1})
	case rotation.Confirmed:
		r = w.at(rotation.Accepted, u)
		r = w.onboard(u, r)
		r, err = w.s.Confirm(w.ctx, u, r.ID, r.Version)
	case rotation.Completed:
		r = w.at(rotation.Confirmed, u)
		defer w.clock.Set(w.clock.Now())
		w.clock.Set(start.AddDate(0, 0, 120))
		w.recordClose(r) // the certificate waits for it (assessment_test.go)
		r, err = w.s.Complete(w.ctx, w.coord, r.ID, in(r))
	case rotation.Returned:
		r = w.at(rotation.Submitted, u)
		r, err = w.s.ReturnForChanges(w.ctx, w.coord, r.ID, in(r))
	case rotation.Rejected:
		r = w.at(rotation.Submitted, u)
		r, err = w.s.Reject(w.ctx, w.coord, r.ID, in(r))
	case rotation.Withdrawn:
		r = w.at(rotation.Submitted, u)
		r, err = w.s.Withdraw(w.ctx, u, r.ID, r.Version)
	default:
		w.t.Fatalf("no way to %s", stage)
	}
	w.must(err, "bring to "+string(stage))
	return r
}

// onboard completes the onboarding answers of u's accepted request r.
func (w *world) onboard(u *user.User, r *rotation.Request) *rotation.Request {
	w.t.Helper()
	d, err := w.s.Get(w.ctx, u, r.ID)
	w.must(err, "get")
	r, err = w.s.SaveOnboarding(w.ctx, u, r.ID, rotation.OnboardingInput{Version: r.Version,
		ArrivalOn: d.Accepted().StartsOn.AddDate(0, 0, -2).Format(time.DateOnly), VisaLetter: "yes", Housing: "no"})
	w.must(err, "onboard")
	return r
}

// taken is the taken count of dep's week n.
func (w *world) taken(dep int64, n int) int {
	w.t.Helper()
	var b rotation.Block
	wk, _ := time.Parse(time.DateOnly, monday(n))
	w.must(w.d.Where("department_id = ? AND week = ?", dep, wk).Take(&b).Error, "block")
	return b.Taken
}

func (w *world) count(q string, args ...any) int64 {
	w.t.Helper()
	var n int64
	w.must(w.d.Raw(q, args...).Scan(&n).Error, q)
	return n
}

func key() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (w *world) monday0() time.Time { t, _ := time.Parse(time.DateOnly, monday(0)); return t }
