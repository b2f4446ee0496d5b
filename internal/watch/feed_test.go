package watch_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/testutil"
	"portal/internal/user"
	"portal/internal/watch"
)

// A person's feed lists their own dates only: a draft's closing day, an
// offer's answer-by, a placement, their incoming rotation weeks, and for a
// coordinator the accepted rotations of their department. A reset token
// opens nothing any more.
func TestTheCalendarFeedHoldsAPersonsOwnDatesBehindAResettableToken(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ward := w.elective("Hepatology clinical elective", "肝臟科臨床選修", -5, 20)
		lab := w.elective("Cardiology observership", "", -5, 25)
		lin := w.person("Lin Mei-Hua", "zh-Hant", user.Student)
		emily := w.person("Emily Huang", "en", user.Student)
		marie := w.person("Marie Dubois", "en", user.Incoming)
		coord := w.person("Dr Chang", "en", user.Coordinator)

		w.application(lin, "draft", ward)
		offer := w.application(lin, "host_accepted", lab)
		answerBy := start.Add(72 * time.Hour)
		w.must(w.d.Exec("UPDATE applications SET offer_expires_at = ? WHERE id = ?", answerBy, offer).Error, "offer")
		placed := w.application(emily, "confirmed", ward)
		w.must(w.d.Exec("UPDATE applications SET placed_from = ?, placed_until = ? WHERE id = ?",
			catalog.Day(start.AddDate(0, 2, 0)), catalog.Day(start.AddDate(0, 2, 27)), placed).Error, "placement")

		// Marie's accepted rotation in cardiology, three weeks from a Monday.
		now := w.clock.Now()
		w.must(w.d.Exec("INSERT INTO departments (code, name_en, name_zh, created_at, updated_at) VALUES ('CARD', 'Cardiology', '心臟內科', ?, ?)", now, now).Error, "department")
		var dept int64
		w.must(w.d.Raw("SELECT id FROM departments WHERE code = 'CARD'").Scan(&dept).Error, "department id")
		w.must(w.d.Exec(`INSERT INTO rotation_requests (applicant_id, status, accepted_choice, stage_since, created_at, updated_at)
			VALUES (?, 'accepted', 1, ?, ?, ?)`, marie.ID, now, now, now).Error, "rotation")
		var rot int64
		w.must(w.d.Raw("SELECT MAX(id) FROM rotation_requests").Scan(&rot).Error, "rotation id")
		monday := time.Date(2027, time.January, 4, 0, 0, 0, 0, time.UTC)
		w.must(w.d.Exec("INSERT INTO rotation_choices (request_id, rank, department_id, starts_on, weeks) VALUES (?, 1, ?, ?, 3)", rot, dept, monday).Error, "choice")
		w.must(w.d.Exec("INSERT INTO rotation_coordinators (user_id, department_id, granted_at) VALUES (?, ?, ?)", coord.ID, dept, now).Error, "coordinator")

		feed := func(u *user.User) *watch.Feed {
			t.Helper()
			token, err := w.s.ResetFeed(w.ctx, u)
			w.must(err, "reset")
			f, err := w.s.Feed(w.ctx, token)
			w.must(err, "feed")
			return f
		}
		kinds := func(f *watch.Feed) string {
			var k []string
			for _, e := range f.Events {
				k = append(k, e.Kind+":"+e.Title)
			}
			return strings.Join(k, ", ")
		}
		if got, want := kinds(feed(lin)), "offer:Cardiology observership, deadline:肝臟科臨床選修"; got != want {
			t.Errorf("Lin's feed: %s, want %s", got, want)
		}
		if got, want := kinds(feed(emily)), "placement:Hepatology clinical elective"; got != want {
			t.Errorf("Emily's feed: %s, want %s", got, want)
		}
		mf := feed(marie)
		if got, want := kinds(mf), "rotation:Cardiology"; got != want {
			t.Errorf("Marie's feed: %s, want %s", got, want)
		} else if e := mf.Events[0]; !e.AllDay || !e.Start.Equal(monday) || !e.End.Equal(monday.AddDate(0, 0, 20)) {
			t.Errorf("Marie's weeks: %s to %s, want three weeks from %s", e.Start, e.End, monday)
		}
		cf := feed(coord)
		if got, want := kinds(cf), "dept_rotation:Cardiology"; got != want || cf.Events[0].Who != "Marie Dubois" {
			t.Errorf("the coordinator's feed: %s (%s), want %s of Marie Dubois", got, cf.Events[0].Who, want)
		}

		// Resetting ends the old address; a made-up one opens nothing.
		old, err := w.s.ResetFeed(w.ctx, lin)
		w.must(err, "reset")
		fresh, err := w.s.ResetFeed(w.ctx, lin)
		w.must(err, "reset again")
		if _, err := w.s.Feed(w.ctx, old); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("the reset token: %v, want not found", err)
		}
		if _, err := w.s.Feed(w.ctx, fresh); err != nil {
			t.Errorf("the new token: %v", err)
		}
		for _, bad := range []string{"", "x", strings.Repeat("A", 43), fresh + "A"} {
			if _, err := w.s.Feed(w.ctx, bad); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("token %q: %v, want not found", bad, err)
			}
		}
		if since, err := w.s.FeedSince(w.ctx, lin); err != nil || since == nil {
			t.Errorf("feed since: %v %v", since, err)
		}
	})
}

// The calendar text is RFC 5545 as a real parser reads it: CRLF lines of at
// most 75 octets (long Chinese titles folded between characters), a UID
// and DTSTAMP per event, all-day events as dates with an exclusive end.
func TestTheCalendarIsValidICalendar(t *testing.T) {
	long := strings.Repeat("肝臟科臨床選修，熊本大學；", 8)
	cal := watch.Calendar{ProdID: "-//Test//Feed//EN", Name: "Lin, Mei-Hua", Domain: "portal.example.test",
		Stamp: start, Events: []watch.ICSEvent{
			{UID: "deadline-1-2", Summary: "Application window closes: " + long, AllDay: true,
				Start: catalog.Day(start), End: catalog.Day(start), URL: "https://portal.example.test/applications/1"},
			{UID: "offer-3-99", Summary: "Answer the offer by now: a\\b, c", Description: "line one\nline two", At: start.Add(time.Hour)},
			{UID: "placement-4", Summary: "Placement", AllDay: true, Start: catalog.Day(start), End: catalog.Day(start).AddDate(0, 0, 27)},
		}}
	raw := cal.Bytes()
	if !bytes.HasSuffix(raw, []byte("END:VCALENDAR\r\n")) {
		t.Errorf("the calendar does not end with END:VCALENDAR and CRLF")
	}
	for i, l := range bytes.Split(bytes.TrimSuffix(raw, []byte("\r\n")), []byte("\r\n")) {
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(l), l)
		}
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if !bytes.Equal(l, bytes.ToValidUTF8(l, nil)) {
			t.Errorf("line %d splits a character: %q", i+1, l)
		}
	}

	parsed, err := ics.ParseCalendar(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	events := parsed.Events()
	if len(events) != 3 {
		t.Fatalf("%d events parsed, want 3", len(events))
	}
	uids := map[string]bool{}
	for _, e := range events {
		uids[e.Id()] = true
		if e.GetProperty(ics.ComponentPropertyDtstamp) == nil {
			t.Errorf("event %s has no DTSTAMP", e.Id())
		}
	}
	if len(uids) != 3 || !uids["deadline-1-2@portal.example.test"] {
		t.Errorf("UIDs %v", uids)
	}
	first := events[0]
	if s := first.GetProperty(ics.ComponentPropertySummary).Value; !strings.Contains(s, "熊本大學") || !strings.HasSuffix(s, "；") {
		t.Errorf("the folded summary came back as %q", s)
	}
	dt := first.GetProperty(ics.ComponentPropertyDtStart)
	if dt.ICalParameters["VALUE"][0] != "DATE" || dt.Value != "20261121" {
		t.Errorf("an all-day start: %+v", dt)
	}
	if end, err := first.GetAllDayEndAt(); err != nil || end.Format(time.DateOnly) != "2026-11-22" {
		t.Errorf("a one-day event ends %v (%v), want the next day, exclusive", end, err)
	}
	if at, err := events[1].GetStartAt(); err != nil || !at.Equal(start.Add(time.Hour)) {
		t.Errorf("a timed event starts %v (%v), want %v", at, err, start.Add(time.Hour))
	}
	if events[1].GetProperty(ics.ComponentPropertyDtEnd) != nil {
		t.Errorf("a deadline has a DTEND, which RFC 5545 wants later than its DTSTART")
	}
	if !strings.Contains(string(raw), `SUMMARY:Answer the offer by now: a\\b\, c`) || !strings.Contains(string(raw), `DESCRIPTION:line one\nline two`) {
		t.Errorf("text is not escaped:\n%s", raw)
	}
}
