package clock_test

import (
	"strings"
	"testing"
	"time"

	"portal/internal/clock"
	"portal/internal/i18n"
)

func load(t *testing.T, name string) clock.Zone {
	t.Helper()
	z, err := clock.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

// The instant of the issue, "by 2026-12-07 01:32 UTC", is 09:32 in Taipei,
// and reads so in both languages with the zone said, its day written as
// each language writes dates.
func TestATaipeiReaderSeesTaipeiTimeWithItsZone(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	z := load(t, "Asia/Taipei")
	at := utc("2026-12-07 01:32:00")
	en := func(k string, a ...any) string { return b.T(i18n.English, k, a...) }
	zh := func(k string, a ...any) string { return b.T(i18n.TraditionalChinese, k, a...) }
	for _, c := range []struct{ got, want string }{
		{z.Time(at), "2026-12-07 09:32 UTC+8"},
		{z.Phrase(en, at), "7 Dec 2026 09:32 (Taipei time, UTC+8)"},
		{z.Phrase(zh, at), "2026年12月7日 09:32（台北時間，UTC+8）"},
		{z.Date(at), "2026-12-07"},
		{z.Name(), "Asia/Taipei"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// A zone without a message of its own is named by its city.
	if got := load(t, "America/Argentina/Buenos_Aires").Phrase(en, at); got != "6 Dec 2026 22:32 (Buenos Aires time, UTC-3)" {
		t.Errorf("Buenos Aires: %q", got)
	}
	if got := load(t, "Asia/Kolkata").Time(at); got != "2026-12-07 07:02 UTC+5:30" {
		t.Errorf("Kolkata: %q", got)
	}
	// UTC says only UTC, and the zero Zone is UTC.
	var zero clock.Zone
	if got := zero.Phrase(en, at); got != "7 Dec 2026 01:32 (UTC)" {
		t.Errorf("zero zone: %q", got)
	}
}

// 23:30 UTC is already the next day in Taipei: the calendar day, and so
// "today", follows the zone.
func TestTheDayChangesAtLocalMidnight(t *testing.T) {
	z := load(t, "Asia/Taipei")
	late := utc("2026-12-06 23:30:00")
	if got := z.Date(late); got != "2026-12-07" {
		t.Errorf("23:30 UTC is %s in Taipei, want 2026-12-07", got)
	}
	if got, want := z.Day(late), time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Day = %v, want %v", got, want)
	}
	if got := z.Date(utc("2026-12-06 15:59:59")); got != "2026-12-06" {
		t.Errorf("15:59:59 UTC is %s in Taipei, want 2026-12-06", got)
	}
}

// A deadline is the end of a local day: 23:59 there, and over only when
// that day is.
func TestDeadlinesEndWithTheLocalDay(t *testing.T) {
	z := load(t, "Asia/Taipei")
	end := z.EndOfDay(time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC))
	if got := z.Time(end); got != "2026-12-21 23:59 UTC+8" {
		t.Errorf("end of 21 December: %s", got)
	}
	if !end.Before(utc("2026-12-21 16:00:00")) || end.Before(utc("2026-12-21 15:59:59")) {
		t.Errorf("end of 21 December in Taipei is %v, want just before 16:00 UTC", end.UTC())
	}
	// An offer made at 01:32 UTC on 7 December (09:32 local) with 14 days.
	d := z.Deadline(utc("2026-12-07 01:32:00"), 14)
	if !d.Equal(end) {
		t.Errorf("Deadline = %v, want %v", d, end)
	}
	// Made at 23:30 UTC on 6 December, already 7 December in Taipei: the
	// same deadline, not a day earlier.
	if d := z.Deadline(utc("2026-12-06 23:30:00"), 14); !d.Equal(end) {
		t.Errorf("Deadline from 23:30 UTC = %v, want %v", d, end)
	}
	// PostgreSQL keeps microseconds: the deadline must survive them.
	if end.Location() != time.UTC {
		t.Errorf("the end of day is in %v, want UTC as the database keeps it", end.Location())
	}
	if !end.Truncate(time.Microsecond).Equal(end) {
		t.Errorf("the end of day %v has nanoseconds a database would round", end)
	}
}

// In a zone with summer time the offset follows the date, and a day of
// 23 or 25 hours still ends at local midnight.
func TestSummerTimeInParis(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en := func(k string, a ...any) string { return b.T(i18n.English, k, a...) }
	z := load(t, "Europe/Paris")
	if got := z.Phrase(en, utc("2026-07-01 10:00:00")); got != "1 Jul 2026 12:00 (Paris time, UTC+2)" {
		t.Errorf("summer: %q", got)
	}
	if got := z.Phrase(en, utc("2026-12-01 10:00:00")); got != "1 Dec 2026 11:00 (Paris time, UTC+1)" {
		t.Errorf("winter: %q", got)
	}
	// Clocks go back on 25 October 2026: that day has 25 hours.
	end := z.EndOfDay(time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC))
	if got := z.Time(end); got != "2026-10-25 23:59 UTC+1" {
		t.Errorf("end of 25 October: %s", got)
	}
	if want := utc("2026-10-25 23:00:00").Add(-time.Microsecond); !end.Equal(want) {
		t.Errorf("end of 25 October = %v, want %v", end.UTC(), want)
	}
	// Clocks go forward on 29 March 2026: a deadline across it still ends
	// at 23:59 local.
	d := z.Deadline(utc("2026-03-20 12:00:00"), 14)
	if got := z.Time(d); got != "2026-04-03 23:59 UTC+2" {
		t.Errorf("deadline across the change: %s", got)
	}
}

// An unknown zone is an error naming it; Local is refused, for the portal
// must not depend on its machine.
func TestUnknownZones(t *testing.T) {
	for _, name := range []string{"Asia/Taipe", "Local", "", "Taipei"} {
		_, err := clock.Load(name)
		if err == nil || !strings.Contains(err.Error(), `"`+name+`"`) {
			t.Errorf("Load(%q) = %v, want an error naming it", name, err)
		}
	}
}

// A date reads one way per language, on every page: a calendar day as
// written, an instant as the day it is in the portal's zone.
func TestADateReadsOneWayPerLanguage(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en := func(k string, a ...any) string { return b.T(i18n.English, k, a...) }
	zh := func(k string, a ...any) string { return b.T(i18n.TraditionalChinese, k, a...) }
	day := time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC)
	z := load(t, "Asia/Taipei")
	late := utc("2026-12-06 23:30:00") // already 7 December in Taipei
	for _, c := range []struct{ got, want string }{
		{clock.DayText(en, day), "2 Apr 2027"},
		{clock.DayText(zh, day), "2027年4月2日"},
		{clock.DayText(en, time.Date(2027, 12, 25, 0, 0, 0, 0, time.UTC)), "25 Dec 2027"},
		{clock.DayText(zh, time.Date(2027, 12, 25, 0, 0, 0, 0, time.UTC)), "2027年12月25日"},
		{z.DateText(en, late), "7 Dec 2026"},
		{z.DateText(zh, late), "2026年12月7日"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// A translator without the pattern still writes a date.
	bare := func(k string, _ ...any) string { return k }
	if got := clock.DayText(bare, day); got != "2 Apr 2027" {
		t.Errorf("without the pattern: %q", got)
	}
}

// A domain error made without a language carries its dates in ISO; the
// page writes them as it writes its own, and leaves everything else.
func TestDatesAmongAMessagesArgumentsAreWrittenForTheReader(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	zh := func(k string, a ...any) string { return b.T(i18n.TraditionalChinese, k, a...) }
	en := func(k string, a ...any) string { return b.T(i18n.English, k, a...) }
	args := []any{"2027-04-02", 3, "2026-12-07 09:32 UTC+8", "2027-04-02T09:32:00Z", "2027-13-01", "ref 2027-04-02", "2027-04-02 later"}
	got := clock.Readable(en, args)
	want := []any{"2 Apr 2027", 3, "7 Dec 2026 09:32 UTC+8", "2027-04-02T09:32:00Z", "2027-13-01", "ref 2027-04-02", "2027-04-02 later"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("argument %d: %v, want %v", i, got[i], want[i])
		}
	}
	if args[0] != "2027-04-02" {
		t.Errorf("Readable changed its caller's arguments")
	}
	if got := clock.Readable(zh, []any{"2027-04-02"}); got[0] != "2027年4月2日" {
		t.Errorf("in Chinese: %v", got[0])
	}
}
