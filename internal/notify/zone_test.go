package notify

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/testutil"
)

func taipei(t *testing.T) clock.Zone {
	t.Helper()
	z, err := clock.Load("Asia/Taipei")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// An offer's deadline reads in Taipei time with its zone, in the mail, its
// subject and the bell, in each reader's language; a mail recorded before
// deadline_at existed shows the text it was recorded with.
func TestAMailShowsTheLocalTimeWithItsZone(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		mails := NewCapture(10)
		s := newService(t, d, mails, Options{Zone: taipei(t)})
		en := addUser(t, d, "Wang Hsiao-Ming", "en")
		zh := addUser(t, d, "林美華", "zh-Hant")
		data := map[string]any{"ref": "A-2026-0042", "elective": "Hepatology", "host": "Kumamoto University 熊本大学",
			"deadline": "2026-12-21 23:59 UTC+8", "deadline_at": "2026-12-21T15:59:59Z"}
		for _, p := range []person{en, zh} {
			enqueueT(t, d, Event{Kind: OfferWaiting, RecipientUserID: p.ID, Data: data, Link: "/applications/42"})
			enqueueT(t, d, Event{Kind: OfferExpiring, RecipientUserID: p.ID, Data: data, Link: "/applications/42"})
		}
		old := addUser(t, d, "Before the change", "en")
		enqueueT(t, d, Event{Kind: OfferExpiring, RecipientUserID: old.ID, Link: "/applications/7",
			Data: map[string]any{"ref": "A-2026-0007", "elective": "Hepatology", "deadline": "2026-12-05 09:00 UTC"}})
		drain(t, s)

		want := map[string][]string{
			en.Email: {"Please accept or decline it by 21 Dec 2026 23:59 (Taipei time, UTC+8).",
				"Reminder: answer the offer for application A-2026-0042 by 21 Dec 2026 23:59 (Taipei time, UTC+8)"},
			zh.Email:  {"2026年12月21日 23:59（台北時間，UTC+8）"},
			old.Email: {"by 5 Dec 2026 09:00 UTC"},
		}
		got := map[string]string{}
		for _, m := range mails.List() {
			got[m.To.Address] += m.Subject + "\n" + m.Text + "\n" + m.HTML + "\n"
		}
		for addr, ws := range want {
			for _, w := range ws {
				if !strings.Contains(got[addr], w) {
					t.Errorf("mail to %s lacks %q:\n%s", addr, w, got[addr])
				}
			}
			if strings.Contains(got[addr], "15:59") {
				t.Errorf("mail to %s shows the UTC hour:\n%s", addr, got[addr])
			}
		}

		notes, _, err := s.List(context.Background(), zh.ID, i18n.TraditionalChinese, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, n := range notes {
			titles = append(titles, n.Title)
		}
		if !strings.Contains(strings.Join(titles, "\n"), "2026年12月21日 23:59（台北時間，UTC+8）") {
			t.Errorf("the bell says %q", titles)
		}
	})
}

// waitingOne is a digest source with one application waiting for user.
type waitingOne struct{ user int64 }

func (w waitingOne) Waiting(context.Context, time.Time) ([]Waiting, error) {
	return []Waiting{{UserID: w.user, Queues: []Queue{{Label: "notify.queue.department_review", Count: 1, Link: "/review"}}}}, nil
}

// The digest's day is Taipei's: at 23:30 UTC on 6 December it is already
// the 7th there.
func TestTheDigestDayIsTheLocalDay(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		r := addUser(t, d, "Reviewer", "en")
		s := newService(t, d, NewCapture(10), Options{Zone: taipei(t), Digest: waitingOne{r.ID}})
		if _, err := s.RunDigest(context.Background(), time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM outbox WHERE dedup_key = ?", fmt.Sprintf("digest:%d:2026-12-07", r.ID)); n != 1 {
			t.Errorf("%d digests of 2026-12-07, want 1", n)
		}
	})
}
