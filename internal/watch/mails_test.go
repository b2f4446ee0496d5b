package watch_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	portal "portal"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/notify"
	"portal/internal/testutil"
	"portal/internal/user"
	"portal/internal/watch"
)

// A student who starred an elective before its window opened hears once
// that it opened; seven days before it closes, those who starred it and
// have not applied (a draft is not applying) hear once that it is closing.
// Running the job again, as every replica does, sends nothing more.
func TestStarredElectivesMailWhenTheirWindowOpensAndSevenDaysBeforeItCloses(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		soon := w.elective("Hepatology clinical elective", "肝臟科臨床選修", 3, 20) // opens in 3 days
		open := w.elective("Cardiology observership", "", -10, 30)           // already open

		lin := w.person("Lin Mei-Hua", "zh-Hant", user.Student) // starred both, never applies
		emily := w.person("Emily Huang", "en", user.Student)    // starred soon, then submitted
		chen := w.person("Chen Wei", "en", user.Student)        // starred soon, keeps a draft
		gone := w.person("Wang Jun", "en", user.Student)        // starred, then unstarred
		for _, u := range []*user.User{lin, emily, chen, gone} {
			w.must(w.s.Star(w.ctx, u, soon.ID), "star")
		}
		w.must(w.s.Star(w.ctx, lin, open.ID), "star the open one")
		w.must(w.s.Unstar(w.ctx, gone, soon.ID), "unstar")

		if n := w.sendMails(start); n != 0 {
			t.Fatalf("before any window moved, %d mails", n)
		}
		// The last minute before the window opens in Taipei: still nothing.
		if n := w.sendMails(w.taipei(2, 23, 59)); n != 0 {
			t.Fatalf("a minute before the window opens, %d mails", n)
		}
		opened := w.taipei(3, 0, 1)
		if n := w.sendMails(opened); n != 3 {
			t.Fatalf("when the window opened, %d mails, want 3 (Lin, Emily, Chen)", n)
		}
		if n := w.sendMails(opened.Add(time.Hour)); n != 0 {
			t.Fatalf("a second run sent %d more", n)
		}
		to := func(kind notify.Kind) []int64 {
			var ids []int64
			w.must(w.d.Raw("SELECT recipient_user_id FROM outbox WHERE kind = ? ORDER BY recipient_user_id", kind).Scan(&ids).Error, "outbox")
			return ids
		}
		if got, want := to(notify.WatchWindowOpen), []int64{lin.ID, emily.ID, chen.ID}; !slices.Equal(got, sorted(want)) {
			t.Errorf("window-open mails to %v, want %v", got, sorted(want))
		}

		// Emily submits, Chen saves a draft.
		w.application(emily, "submitted", soon)
		w.application(chen, "draft", soon)
		// The window closes at the end of day 20 in Taipei: seven days
		// before is the start of day 14 there.
		if n := w.sendMails(w.taipei(13, 23, 58)); n != 0 {
			t.Fatalf("more than seven days before the close, %d mails", n)
		}
		if n := w.sendMails(w.taipei(14, 0, 1)); n != 2 {
			t.Fatalf("seven days before the close, %d mails, want 2 (Lin, Chen)", n)
		}
		if n := w.sendMails(w.taipei(18, 9, 0)); n != 0 {
			t.Fatalf("later in the last week, %d more mails", n)
		}
		if got, want := to(notify.WatchWindowClosing), sorted([]int64{lin.ID, chen.ID}); !slices.Equal(got, want) {
			t.Errorf("closing mails to %v, want %v", got, want)
		}
		// The elective Lin starred while it was open: no news that it
		// opened, but the reminder before it closes.
		if n := w.sendMails(w.taipei(24, 8, 0)); n != 1 {
			t.Fatalf("seven days before the second close, %d mails, want 1", n)
		}
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE recipient_user_id = ? AND kind = ?", lin.ID, notify.WatchWindowOpen); n != 1 {
			t.Errorf("Lin got %d window-open mails, want 1 (not for the elective starred while open)", n)
		}
		if n := w.count("SELECT COUNT(*) FROM outbox WHERE recipient_user_id = ?", gone.ID); n != 0 {
			t.Errorf("the student who unstarred got %d mails", n)
		}

		// The mails themselves, in each student's language.
		c := notify.NewCapture(50)
		ns, err := notify.NewService(d, mustBundle(t), c, notify.Options{BaseURL: "https://portal.example.test", Templates: portal.Templates, Zone: w.zone})
		w.must(err, "notify")
		for {
			n, err := ns.SendDue(context.Background())
			w.must(err, "send")
			if n == 0 {
				break
			}
		}
		var zh, en int
		for _, m := range c.List() {
			switch {
			case m.To.Address == lin.Email && strings.Contains(m.Subject, "肝臟科臨床選修"):
				zh++
				if !strings.Contains(m.Text, "星號") || !strings.Contains(m.Text, "/electives/") {
					t.Errorf("Lin's mail does not say why or where: %q", m.Text)
				}
			case m.To.Address == emily.Email && strings.Contains(m.Subject, "Hepatology clinical elective") && strings.Contains(m.Subject, dayText(day(20))):
				en++
			}
		}
		if zh != 2 || en != 1 {
			t.Errorf("mails in the readers' languages: %d Chinese to Lin (want 2), %d English to Emily (want 1); got %d mails", zh, en, len(c.List()))
		}
	})
}

// A student who turned window mails off in their preferences still sees
// the notification under the bell, but gets no mail.
func TestWindowMailsAreOptional(t *testing.T) {
	for _, k := range []notify.Kind{notify.WatchWindowOpen, notify.WatchWindowClosing} {
		if notify.Mandatory(k) || !slices.Contains(notify.Optional(), k) {
			t.Errorf("%s is not optional in mail settings", k)
		}
	}
}

func sorted(ids []int64) []int64 { s := slices.Clone(ids); slices.Sort(s); return s }

func mustBundle(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A saved search mails its student once when the catalog gains electives
// it finds; what it found when it was saved, and electives it does not
// find, bring no mail.
func TestASavedSearchMailsAboutNewElectivesOnce(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.s = watch.NewService(d, watch.Options{Now: w.clock.Now, Zone: w.zone, Search: w.cat})
		w.elective("Hepatology clinical elective", "", -5, 20)
		lin := w.person("Lin Mei-Hua", "en", user.Student)
		_, err := w.s.SaveSearch(w.ctx, lin, "Japan", "country=JP")
		w.must(err, "save")

		run := func() int {
			t.Helper()
			n, err := w.s.SendSearchMails(w.ctx, w.clock.Now())
			w.must(err, "search mails")
			return n
		}
		if n := run(); n != 0 {
			t.Fatalf("the first look mailed %d times about what the student already saw", n)
		}
		w.elective("Cardiology observership", "", -5, 25)
		w.elective("Pediatrics elective", "", -5, 25)
		if n := run(); n != 1 {
			t.Fatalf("two new electives in Japan: %d mails, want 1", n)
		}
		if n := run(); n != 0 {
			t.Fatalf("a second run mailed %d more", n)
		}
		var data []string
		w.must(w.d.Raw("SELECT data FROM outbox WHERE kind = ? AND recipient_user_id = ?", notify.WatchSearchNew, lin.ID).Scan(&data).Error, "outbox")
		if len(data) != 1 || !strings.Contains(data[0], `"count":2`) || !strings.Contains(data[0], `"search":"Japan"`) {
			t.Errorf("the mail's data %v, want two new electives of Japan", data)
		}
		// An elective elsewhere is not news for this search.
		other, err := w.cat.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Seoul National University", Country: "KR", City: "Seoul", Kind: "university"})
		w.must(err, "a Korean partner")
		w.partner = other
		w.elective("Surgery elective", "", -5, 25)
		if n := run(); n != 0 {
			t.Errorf("an elective in Korea mailed the Japan search %d times", n)
		}
	})
}

// dayText is an ISO day as English mails write it: "22 Apr 2027".
func dayText(iso string) string {
	d, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return d.Format("2 Jan 2006")
}
