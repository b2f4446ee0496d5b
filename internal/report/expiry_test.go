package report_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	portal "portal"
	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/notify"
	"portal/internal/report"
	"portal/internal/testutil"
	"portal/internal/user"
)

// The office is mailed 180, 90 and 30 days before an agreement's last
// day, once each: a second run, a restart or two replicas at the same
// moment send nothing again; an agreement entered late gets only the
// notice that is due; an extended agreement is due its notices again.
func TestTheOfficeIsMailedOnceEachBeforeAnAgreementExpires(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		ctx := context.Background()
		b, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		cat := catalog.NewService(d, b, func() time.Time { return now })
		today := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) // now, in Taipei
		office := func(subject, email, locale string) *user.User {
			u := &user.User{Issuer: "test", Subject: subject, Email: email, Name: subject, Locale: locale, ClaimRoles: "office", CreatedAt: now, UpdatedAt: now}
			if err := d.Create(u).Error; err != nil {
				t.Fatal(err)
			}
			return u
		}
		chen := office("chen", "chen@office.test", "zh-Hant")
		mori := office("mori", "mori@office.test", "ja")
		student := &user.User{Issuer: "test", Subject: "student", Email: "s@test", Name: "s", ClaimRoles: "student", CreatedAt: now, UpdatedAt: now}
		if err := d.Create(student).Error; err != nil {
			t.Fatal(err)
		}
		in, err := cat.CreateInstitution(ctx, catalog.InstitutionInput{NameEN: "Kumamoto University", NameLocal: "熊本大学", Country: "JP", City: "Kumamoto", Kind: "university"})
		if err != nil {
			t.Fatal(err, apperr.FieldsOf(err))
		}
		deal := func(days int) int64 {
			a, err := cat.CreateAgreement(ctx, catalog.AgreementInput{InstitutionID: in.ID, Kind: "student_exchange", Title: fmt.Sprintf("Exchange ending in %d days", days),
				ValidFrom: "2020-01-01", ValidUntil: today.AddDate(0, 0, days).Format(time.DateOnly), QuotaOut: "2", QuotaIn: "2"})
			if err != nil {
				t.Fatal(err, apperr.FieldsOf(err))
			}
			return a.ID
		}
		far, d170, d85, d20 := deal(200), deal(170), deal(85), deal(20)
		deal(-3)   // expired: no notice
		deal(1000) // years away
		at := func(day time.Time) *report.Service {
			z, _ := clock.Load("Asia/Taipei")
			return report.NewService(d, report.Options{Now: func() time.Time { return day.Add(9 * time.Hour) }, Zone: z})
		}
		notices := func() map[string]int {
			var rows []struct {
				AgreementID int64
				DaysBefore  int
			}
			if err := d.Raw("SELECT agreement_id, days_before FROM agreement_expiry_mails").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			out := map[string]int{}
			for _, r := range rows {
				out[fmt.Sprintf("%d/%d", r.AgreementID, r.DaysBefore)]++
			}
			return out
		}
		mails := func() int64 {
			var n int64
			d.Raw("SELECT COUNT(*) FROM outbox WHERE kind = ?", notify.AgreementExpiring).Scan(&n)
			return n
		}

		t.Run("each due agreement gets the notice it reached, to every member of the office", func(t *testing.T) {
			var sent int
			if d.Dialect == db.Postgres {
				// Two replicas (and more) run the job at the same moment.
				var wg sync.WaitGroup
				var mu sync.Mutex
				for i := 0; i < 4; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						n, err := at(today).MailExpiring(ctx)
						if err != nil {
							t.Error(err)
						}
						mu.Lock()
						sent += n
						mu.Unlock()
					}()
				}
				wg.Wait()
			} else {
				n, err := at(today).MailExpiring(ctx)
				if err != nil {
					t.Fatal(err)
				}
				sent = n
			}
			want := map[string]int{fmt.Sprintf("%d/180", d170): 1, fmt.Sprintf("%d/90", d85): 1, fmt.Sprintf("%d/30", d20): 1}
			if got := notices(); fmt.Sprint(got) != fmt.Sprint(want) || sent != 3 {
				t.Fatalf("notices %v (sent %d), want %v (3)", got, sent, want)
			}
			if n := mails(); n != 6 {
				t.Errorf("%d mails, want 3 notices to 2 people", n)
			}
			var toStudent int64
			d.Raw("SELECT COUNT(*) FROM outbox WHERE recipient_user_id = ?", student.ID).Scan(&toStudent)
			if toStudent != 0 {
				t.Errorf("a student got %d agreement notices", toStudent)
			}
		})

		t.Run("a second run and a run a day later send nothing again", func(t *testing.T) {
			for _, day := range []time.Time{today, today.AddDate(0, 0, 1)} {
				if n, err := at(day).MailExpiring(ctx); err != nil || n != 0 {
					t.Fatalf("run on %s sent %d (%v)", day.Format(time.DateOnly), n, err)
				}
			}
			if n := mails(); n != 6 {
				t.Errorf("%d mails after rerunning, want 6", n)
			}
		})

		t.Run("eighty days on, the next notices go out and the expired one is left alone", func(t *testing.T) {
			n, err := at(today.AddDate(0, 0, 80)).MailExpiring(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// far: 120 days left (180); d170: 90 (90); d85: 5 (30); d20: expired.
			got := notices()
			for _, k := range []string{fmt.Sprintf("%d/180", far), fmt.Sprintf("%d/90", d170), fmt.Sprintf("%d/30", d85)} {
				if got[k] != 1 {
					t.Errorf("notice %s: %d", k, got[k])
				}
			}
			if n != 3 || len(got) != 6 {
				t.Errorf("sent %d, notices %v", n, got)
			}
		})

		t.Run("an agreement extended to a new last day is due its notices again", func(t *testing.T) {
			if err := d.Exec("UPDATE agreements SET valid_until = ? WHERE id = ?", today.AddDate(0, 0, 25), far).Error; err != nil {
				t.Fatal(err)
			}
			if n, err := at(today).MailExpiring(ctx); err != nil || n != 1 {
				t.Fatalf("sent %d (%v), want the 30-day notice of the changed agreement", n, err)
			}
		})

		t.Run("each member of the office reads the notice in their language", func(t *testing.T) {
			c := notify.NewCapture(50)
			z, _ := clock.Load("Asia/Taipei")
			ns, err := notify.NewService(d, b, c, notify.Options{BaseURL: "https://portal.example.test", Templates: portal.Templates, Zone: z})
			if err != nil {
				t.Fatal(err)
			}
			for {
				n, err := ns.SendDue(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			var zh, ja int
			for _, m := range c.List() {
				switch {
				case m.To.Address == chen.Email && strings.Contains(m.Subject, "合作協議") && strings.Contains(m.Text, "/manage/agreements/"):
					zh++
				case m.To.Address == mori.Email && strings.Contains(m.Subject, "協定") && strings.Contains(m.Text, "熊本大学"):
					ja++
				}
			}
			if zh != 7 || ja != 7 {
				t.Errorf("notices in the readers' languages: %d Chinese to Chen, %d Japanese to Mori, want 7 each; got %d mails", zh, ja, len(c.List()))
			}
		})
	})
}
