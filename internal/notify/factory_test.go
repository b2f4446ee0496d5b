package notify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	portal "portal"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/user"
)

// Workers log every retry; tests read the database and the sink instead.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

const testBase = "https://portal.test"

var testBundle = func() *i18n.Bundle {
	b, err := i18n.Load()
	if err != nil {
		panic(err)
	}
	return b
}()

// newService returns a service on d sending through m, with short delays
// unless o says otherwise.
func newService(t testing.TB, d *db.DB, m Mailer, o Options) *Service {
	t.Helper()
	o.BaseURL, o.Templates = testBase, portal.Templates
	if o.Poll == 0 {
		o.Poll = 20 * time.Millisecond
	}
	if o.RetryBase == 0 {
		o.RetryBase = 20 * time.Millisecond
		o.RetryMax = 100 * time.Millisecond
	}
	s, err := NewService(d, testBundle, m, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// smtpMailer is a mailer for the sink; it closes with the test.
func smtpMailer(t testing.TB, k *sink, idle int) *SMTPMailer {
	t.Helper()
	m, err := NewSMTPMailer(k.config(), idle)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

var users atomic.Int64

// person is a user made for a test.
type person struct {
	ID          int64
	Name, Email string
	Lang        i18n.Lang
}

// addUser signs a person in, as the portal would make them.
func addUser(t testing.TB, d *db.DB, name, locale string) person {
	t.Helper()
	n := users.Add(1)
	email := fmt.Sprintf("person%d@uni.test", n)
	u, err := user.NewStore(d).SignIn(context.Background(), user.Identity{
		Issuer: "https://sso.test", Subject: fmt.Sprintf("sub-%d", n), Email: email, Name: name, Locale: locale,
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lang := i18n.English
	if locale == "zh-Hant" {
		lang = i18n.TraditionalChinese
	}
	return person{ID: u.ID, Name: name, Email: email, Lang: lang}
}

// enqueue records e in a transaction of its own.
func enqueueT(t testing.TB, d *db.DB, e Event) {
	t.Helper()
	if err := d.Transaction(func(tx *gorm.DB) error { return Enqueue(tx, e) }); err != nil {
		t.Fatalf("enqueue %s: %v", e.Kind, err)
	}
}

// statuses counts outbox rows by status.
func statuses(t testing.TB, d *db.DB) map[string]int64 {
	t.Helper()
	var rows []struct {
		Status string
		N      int64
	}
	if err := d.Raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}

func count(t testing.TB, d *db.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// drain sends until nothing is due.
func drain(t testing.TB, s *Service) {
	t.Helper()
	for range 10000 {
		n, err := s.SendDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the outbox never drained")
}

// sampleData is data that fills every template.
func sampleData(k Kind) map[string]any {
	d := map[string]any{
		"ref": "A-2026-0042", "elective": "Internal Medicine, Kumamoto University", "applicant": "Lin Mei-Hua 林美華",
		"comment": "Please attach your transcript.", "stage": "department_review", "host": "Kumamoto University 熊本大学",
		"decision": "accepted", "deadline": "2026-05-01", "deadline_at": "2026-05-01T15:59:59Z", "department": "Cardiology", "from": "2026-07-01",
		"until": "2026-07-28", "document": "passport", "expires": "2026-06-30", "placement": "Kumamoto University",
		"starts": "2026-07-01", "minutes": 30,
		"search": "Japan, cardiology", "count": 3, // watch_search_new
		"course": "Clinical elective (MED 6001)", "credits": "4", "days": 7, // evaluation_*
		"funding": "AMS BioteQ internship scholarship", "amount": "NT$30,000", "call": "2027 spring call", // scholarship_awarded
		"role": "mentor", "other": "Sato Haruka 佐藤遥", "other_email": "haruka@kumamoto-u.example", // mentor_introduction
		"institution": "Kumamoto University (熊本大学)", "agreement": "Student exchange", // agreement_expiring
		"round": "2027 spring exchange", "answer": "upheld", "reply": "The oral exam was re-marked.", "score": "88.5", // selection_appeal_answered
	}
	if k == ReviewerDigest {
		d["total"], d["day"] = 4, "2026-03-02"
		d["queues"] = []Queue{{Label: "notify.queue.department_review", Count: 3, Link: "/review/department"}, {Label: "notify.queue.office_review", Count: 1, Link: "/review/office"}}
	}
	return d
}
