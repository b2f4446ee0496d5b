package wiring

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	portal "portal"
	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/config"
	"portal/internal/i18n"
	"portal/internal/testutil"
	"portal/internal/user"
)

// openDev opens a portal in dev mode on dialect, as `portal dev` does,
// without serving it. Its database is a copy of one a dev portal of the
// same configuration seeded once per test process and dialect
// (testutil.SeededDatabaseURL): the seeders find the demo there and skip,
// as at a second start of `portal dev`.
func openDev(t *testing.T, dialect string) *App {
	t.Helper()
	cfg := config.Defaults(config.ModeDev)
	cfg.BaseURL = "http://portal.test"
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = testutil.SeededDatabaseURL(t, dialect, "wiring-demo", cfg.DataDir, func(url, dir string) error {
		c := cfg
		c.DatabaseURL, c.DataDir = url, dir
		a, err := Open(context.Background(), c, Options{DemoApplications: true})
		if err != nil {
			return err
		}
		return a.Close()
	})
	start := time.Now()
	a, err := Open(context.Background(), cfg, Options{DemoApplications: true})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Logf("dev portal ready in %v", time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() { a.Close() })
	return a
}

func eachDialect(t *testing.T, fn func(t *testing.T, a *App)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) { fn(t, openDev(t, d)) })
	}
}

// demoUser is the demo person with subject signed in as the development
// provider signs them in.
func demoUser(t *testing.T, a *App, subject string, role user.Role) *user.User {
	t.Helper()
	var u user.User
	if err := a.DB.Where("issuer = ? AND subject = ?", a.Config.OIDCIssuer, subject).Take(&u).Error; err != nil {
		t.Fatalf("demo user %s: %v", subject, err)
	}
	got, err := a.Users.SignIn(context.Background(), user.Identity{Issuer: a.Config.OIDCIssuer, Subject: subject, Email: u.Email, Name: u.Name, Roles: []user.Role{role}}, time.Now())
	if err != nil || got.ID != u.ID {
		t.Fatalf("sign-in of %s found user %v (%v), want the demo's %d", subject, got, err, u.ID)
	}
	return got
}

// outboxRow is a row of the outbox as the tests read it.
type outboxRow struct {
	ID              int64
	Kind            string
	RecipientUserID int64
	Review          bool
	Data            string
	DedupKey        *string
}

func (r outboxRow) data(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Data), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func outboxAfter(t *testing.T, a *App, id int64) []outboxRow {
	t.Helper()
	var rows []outboxRow
	if err := a.DB.Raw("SELECT id, kind, recipient_user_id, review, data, dedup_key FROM outbox WHERE id > ? ORDER BY id", id).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

func lastOutbox(t *testing.T, a *App) int64 {
	t.Helper()
	var id int64
	if err := a.DB.Raw("SELECT COALESCE(MAX(id), 0) FROM outbox").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// templateKeys are the data keys the mail template of kind reads.
func templateKeys(t *testing.T, kind string) []string {
	t.Helper()
	b, err := fs.ReadFile(portal.Templates, "templates/mail/"+kind+".txt")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range regexp.MustCompile(`\.(?:D|At|TD "[\w.]+") "(\w+)"`).FindAllStringSubmatch(string(b), -1) {
		keys = append(keys, m[1])
	}
	return keys
}

// demoApp finds a demo application of applicant at stage.
func demoApp(t *testing.T, a *App, applicant int64, stage application.Stage) *application.Application {
	t.Helper()
	var out application.Application
	q := a.DB.Where("status = ?", stage).Order("id")
	if applicant != 0 {
		q = q.Where("applicant_id = ?", applicant)
	}
	if err := q.Take(&out).Error; err != nil {
		t.Fatalf("no demo application at %s: %v", stage, err)
	}
	return &out
}

// Each transition tells its applicant in the mails of its kind, with what
// their templates quote; internal comments stay out of them; reviewers
// and the office hear of what arrives in their queues.
func TestTransitionsAnnounceThemselves(t *testing.T) {
	eachDialect(t, func(t *testing.T, a *App) {
		ctx := context.Background()
		student := demoUser(t, a, "demo-student", user.Student)
		reviewer := demoUser(t, a, "demo-reviewer", user.Reviewer)
		office := demoUser(t, a, "demo-office", user.Office)
		const secret = "INTERNAL-ONLY: the host owes us a favour"

		type step struct {
			name    string
			do      func(*application.Application) (*application.Application, error)
			at      *application.Application
			want    []string // kinds mailed to the applicant, in order
			queue   string   // kind of the queue mail to others, if any
			comment string   // quoted in the applicant's mail
		}
		dept := demoApp(t, a, student.ID, application.DepartmentReview)
		nominated := demoApp(t, a, 0, application.Nominated)
		submitted := demoApp(t, a, 0, application.Submitted)
		var atOffice []application.Application
		if err := a.DB.Where("status = ?", application.OfficeReview).Order("id").Limit(2).Find(&atOffice).Error; err != nil || len(atOffice) < 2 {
			t.Fatalf("demo applications at the office: %v %v", atOffice, err)
		}
		returned := demoApp(t, a, student.ID, application.Returned)
		note := func(internal bool, comment string) func(*application.Application) (*application.Application, error) {
			return func(x *application.Application) (*application.Application, error) {
				_, err := a.Applications.AddNote(ctx, office, x.ID, application.NoteInput{Comment: comment, Internal: internal})
				return x, err
			}
		}
		steps := []step{
			{"internal note", note(true, secret), dept, nil, "", ""},
			{"message to the student", note(false, "Your transcript arrived, thank you."), dept,
				[]string{"application_message"}, "", "Your transcript arrived, thank you."},
			{"approve", func(x *application.Application) (*application.Application, error) {
				return a.Applications.Approve(ctx, reviewer, x.ID, application.ReviewInput{Version: x.Version, Comment: secret, Internal: true})
			}, dept, []string{"application_approved"}, "application_approved", ""},
			{"host accepts", func(x *application.Application) (*application.Application, error) {
				return a.Applications.RecordHostDecision(ctx, office, x.ID, application.HostDecisionInput{Version: x.Version, Rank: x.CurrentChoice,
					Decision: application.HostDecisionAccepted, Comment: secret, Internal: true})
			}, nominated, []string{"host_decision", "offer_waiting"}, "", ""},
			{"return", func(x *application.Application) (*application.Application, error) {
				return a.Applications.ReturnForChanges(ctx, office, x.ID, application.ReviewInput{Version: x.Version, Comment: "Please attach your IELTS result."})
			}, &atOffice[0], []string{"application_returned"}, "", "Please attach your IELTS result."},
			{"reject", func(x *application.Application) (*application.Application, error) {
				return a.Applications.Reject(ctx, office, x.ID, application.ReviewInput{Version: x.Version, Comment: "Year of study too early."})
			}, &atOffice[1], []string{"application_rejected"}, "", "Year of study too early."},
			{"resubmit", func(x *application.Application) (*application.Application, error) {
				return a.Applications.Submit(ctx, student, x.ID, application.SubmitInput{Version: x.Version, Key: "test-resubmit-1"})
			}, returned, []string{"application_submitted"}, "application_submitted", ""},
			{"start review", func(x *application.Application) (*application.Application, error) {
				u := reviewer
				if sc, _ := a.Applications.Scope(ctx, reviewer.ID); !slices.Contains(sc, x.Specialty) {
					u = demoUser(t, a, "demo-reviewer-2", user.Reviewer)
				}
				return a.Applications.StartReview(ctx, u, x.ID, application.ReviewInput{Version: x.Version})
			}, submitted, nil, "", ""},
		}
		var students = map[int64]bool{}
		for _, s := range steps {
			before := lastOutbox(t, a)
			got, err := s.do(s.at)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			students[got.ApplicantID] = true
			var mine []string
			queued := 0
			for _, r := range outboxAfter(t, a, before) {
				data := r.data(t)
				if strings.Contains(r.Data, "INTERNAL-ONLY") {
					t.Errorf("%s: an internal comment went into the %s to %d", s.name, r.Kind, r.RecipientUserID)
				}
				if r.RecipientUserID == got.ApplicantID {
					mine = append(mine, r.Kind)
					for _, k := range templateKeys(t, r.Kind) {
						if v, _ := data[k].(string); v == "" {
							t.Errorf("%s: %s lacks %q, which its mail quotes: %v", s.name, r.Kind, k, data)
						}
					}
					if s.comment != "" && data["comment"] != s.comment {
						t.Errorf("%s: comment %v, want %q", s.name, data["comment"], s.comment)
					}
					if data["ref"] != got.Ref() {
						t.Errorf("%s: ref %v, want %s", s.name, data["ref"], got.Ref())
					}
					continue
				}
				if !r.Review || r.Kind != s.queue {
					t.Errorf("%s: %s to %d (review %v), want only %q queue mails to others", s.name, r.Kind, r.RecipientUserID, r.Review, s.queue)
				}
				queued++
			}
			if strings.Join(mine, ",") != strings.Join(s.want, ",") {
				t.Errorf("%s: the applicant got %v, want %v", s.name, mine, s.want)
			}
			if (s.queue != "") != (queued > 0) {
				t.Errorf("%s: %d queue mails, want them only for %q", s.name, queued, s.queue)
			}
		}

		// The mails as sent: in the applicant's language, naming the
		// elective and the host, never the internal comment.
		for {
			n, err := a.Notify.SendDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		var offer, hostName, title string
		{
			var row struct{ NameEN, TitleEN, TitleZH string }
			a.DB.Table("application_choices AS c").Select("i.name_en, e.title_en, e.title_zh").
				Joins("JOIN electives AS e ON e.id = c.elective_id").Joins("JOIN institutions AS i ON i.id = e.institution_id").
				Where("c.application_id = ? AND c.rank = ?", nominated.ID, nominated.CurrentChoice).Scan(&row)
			hostName, title = row.NameEN, row.TitleEN
			var applicant user.User
			a.DB.Take(&applicant, nominated.ApplicantID)
			if applicant.Locale == "zh-Hant" && row.TitleZH != "" {
				title = row.TitleZH
			}
			offer = applicant.Email
		}
		found := 0
		for _, m := range a.Mail.List() {
			if strings.Contains(m.Text, "INTERNAL-ONLY") || strings.Contains(m.HTML, "INTERNAL-ONLY") {
				t.Errorf("an internal comment was mailed to %s: %s", m.To.Address, m.Subject)
			}
			if m.To.Address == offer && strings.Contains(m.Text, hostName) && strings.Contains(m.Text, title) {
				found++
			}
		}
		if found < 2 {
			t.Errorf("%d mails to %s name %q and %q, want the decision and the offer", found, offer, hostName, title)
		}
		if len(a.Mail.List()) == 0 {
			t.Fatal("nothing was mailed")
		}
	})
}

// Unanswered offers: reminded of once two days before, then expired by
// the job, which frees the seat and tells the applicant; replicas running
// the job at once expire each offer once.
func TestOfferJobsRemindOnceThenExpire(t *testing.T) {
	eachDialect(t, func(t *testing.T, a *App) {
		ctx := context.Background()
		jobs := workflowJobs{db: a.DB, apps: a.Applications}
		var offers []application.Application
		if err := a.DB.Where("status = ?", application.HostAccepted).Order("offer_expires_at").Find(&offers).Error; err != nil || len(offers) == 0 {
			t.Fatalf("demo offers: %v %v", offers, err)
		}
		o := offers[0]
		deadline := *o.OfferExpiresAt
		seat := func() (int, bool) {
			var c application.Choice
			a.DB.Where("application_id = ? AND rank = ?", o.ID, o.CurrentChoice).Take(&c)
			var p catalog.Period
			a.DB.Take(&p, c.PeriodID)
			return p.Taken, c.SeatReserved
		}
		taken, held := seat()
		if !held {
			t.Fatal("the offer holds no seat")
		}
		count := func(kind string) int {
			n := 0
			for _, r := range outboxAfter(t, a, 0) {
				if r.Kind == kind && r.RecipientUserID == o.ApplicantID && r.data(t)["ref"] == o.Ref() {
					n++
				}
			}
			return n
		}

		// Three days before: nothing yet.
		if _, _, err := jobs.run(ctx, deadline.Add(-72*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := count("offer_expiring"); n != 0 {
			t.Errorf("%d reminders three days before the deadline", n)
		}
		// Within two days, every minute: one reminder.
		for _, before := range []time.Duration{47 * time.Hour, 30 * time.Hour, time.Minute} {
			if _, _, err := jobs.run(ctx, deadline.Add(-before)); err != nil {
				t.Fatal(err)
			}
		}
		if n := count("offer_expiring"); n != 1 {
			t.Errorf("%d reminders, want 1", n)
		}
		// The portal is in Taipei by default: the offer runs to 23:59
		// there, and the reminder says so with the zone.
		if local := a.Zone.In(deadline); a.Zone.Name() != "Asia/Taipei" || local.Hour() != 23 || local.Minute() != 59 {
			t.Errorf("the offer runs to %v in %s, want 23:59 in Asia/Taipei", local, a.Zone.Name())
		}
		for range 100 { // the demo's mail first, ten at a time
			if n, err := a.Notify.SendDue(ctx); err != nil || n == 0 {
				break
			}
		}
		// in the student's language, English or Chinese
		b, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		in := func(l i18n.Lang) clock.Translate {
			return func(k string, args ...any) string { return b.T(l, k, args...) }
		}
		en := a.Zone.DateText(in(i18n.English), deadline) + " 23:59 (Taipei time, UTC+8)"
		zh := a.Zone.DateText(in(i18n.TraditionalChinese), deadline) + " 23:59（台北時間，UTC+8）"
		reminded := false
		for _, m := range a.Mail.List() {
			for _, want := range []string{en, zh} {
				if strings.Contains(m.Subject, fmt.Sprintf("#%d", o.ID)) && strings.Contains(m.Subject, want) && strings.Contains(m.Text, want) {
					reminded = true
				}
			}
		}
		if !reminded {
			t.Errorf("no reminder of %s says %q or %q", o.Ref(), en, zh)
		}
		if got := demoApp(t, a, o.ApplicantID, application.HostAccepted); got.ID != o.ID && got.Status != application.HostAccepted {
			t.Error("the offer expired before its deadline")
		}

		// After the deadline, two replicas at once.
		var wg sync.WaitGroup
		var mu sync.Mutex
		expired := 0
		for range 2 {
			wg.Go(func() {
				n, _, err := jobs.run(ctx, deadline.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				expired += n
				mu.Unlock()
			})
		}
		wg.Wait()
		var after application.Application
		a.DB.Take(&after, o.ID)
		var events int64
		a.DB.Model(&application.Event{}).Where("application_id = ? AND action = ?", o.ID, application.Expire).Count(&events)
		if after.Status != application.Expired || events != 1 || expired != 1 {
			t.Errorf("after the deadline: %s, %d expire events, %d expired by the replicas; want expired once", after.Status, events, expired)
		}
		if now, held := seat(); now != taken-1 || held {
			t.Errorf("seat after expiry: %d taken (was %d), held %v", now, taken, held)
		}
		if n := count("offer_expired"); n != 1 {
			t.Errorf("%d expiry notices, want 1", n)
		}
		if n, _, _ := jobs.run(ctx, deadline.Add(2*time.Minute)); n != 0 {
			t.Errorf("a second run expired %d more", n)
		}
	})
}

// The digest hears from the workflow what waits for whom.
func TestDigestCountsTheQueues(t *testing.T) {
	eachDialect(t, func(t *testing.T, a *App) {
		ctx := context.Background()
		reviewer := demoUser(t, a, "demo-reviewer", user.Reviewer)
		office := demoUser(t, a, "demo-office", user.Office)
		student := demoUser(t, a, "demo-student", user.Student)
		var inScope, officeTurn int64
		scope, _ := a.Applications.Scope(ctx, reviewer.ID)
		a.DB.Model(&application.Application{}).Where("status IN ? AND specialty IN ?",
			[]application.Stage{application.Submitted, application.DepartmentReview}, scope).Count(&inScope)
		a.DB.Model(&application.Application{}).Where("status IN ?",
			[]application.Stage{application.OfficeReview, application.Nominated, application.Waitlisted, application.HostRejected}).Count(&officeTurn)
		waiting, err := workflowDigest{a.Applications}.Waiting(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		got, oldest := map[int64]int{}, map[int64]int{}
		for _, w := range waiting {
			for _, q := range w.Queues {
				got[w.UserID] += q.Count
				oldest[w.UserID] = max(oldest[w.UserID], q.Oldest)
			}
		}
		// The demo has applications waiting for more than a week.
		if oldest[reviewer.ID] < 7 || oldest[office.ID] < 7 {
			t.Errorf("oldest waiting: reviewer %d days, office %d days; want a week or more", oldest[reviewer.ID], oldest[office.ID])
		}
		if got[reviewer.ID] != int(inScope) || got[office.ID] != int(officeTurn) || got[student.ID] != 0 || inScope == 0 || officeTurn == 0 {
			t.Errorf("digest: reviewer %d (want %d), office %d (want %d), student %d", got[reviewer.ID], inScope, got[office.ID], officeTurn, got[student.ID])
		}
		n, err := a.Notify.RunDigest(ctx, time.Now())
		if err != nil || n < 2 {
			t.Errorf("RunDigest enqueued %d, %v; want the reviewers' and the office's", n, err)
		}
		for {
			if n, err := a.Notify.SendDue(ctx); err != nil || n == 0 {
				break
			}
		}
		var digest string
		for _, m := range a.Mail.List() {
			// The demo office is also a mentor, introduced by mail: the
			// digest is the mail with the queues in it.
			if m.To.Address == office.Email && strings.Contains(m.Text, "International office review") {
				digest = m.Text
			}
		}
		if want := fmt.Sprintf("International office review: %d, the oldest has waited %d days", officeTurn, oldest[office.ID]); !strings.Contains(digest, want) {
			t.Errorf("the office's digest lacks %q:\n%s", want, digest)
		}
	})
}
