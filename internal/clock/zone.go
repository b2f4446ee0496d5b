// Package clock is where the portal turns instants into what people read:
// times in the portal's time zone (PORTAL_TIME_ZONE, Asia/Taipei by
// default) with that zone said, calendar days of that zone, and deadlines
// at the end of its days. The database keeps instants in UTC; every
// service, mail, letter and page shows them through a Zone, so that
// "by 2026-12-07 01:32 UTC" becomes "by 7 Dec 2026 09:32 (Taipei time,
// UTC+8)". Dates people read are written one way per language (DayText). It is a package of its own, not part of i18n, because domain
// services need it without the message bundle, and it imports nothing of
// the portal: words come from the caller's translator.
package clock

import (
	"fmt"
	"strings"
	"time"
)

// Zone is a time zone people read times in. The zero Zone is UTC, so that
// a service built without one (in a test) keeps the behaviour of a server
// on UTC; the portal passes the zone of its configuration.
type Zone struct {
	loc *time.Location
}

// Load returns the zone of an IANA name such as Asia/Taipei or
// Europe/Paris. "Local" and "" are refused: the portal's times must not
// depend on the machine it runs on.
func Load(name string) (Zone, error) {
	if name == "" || name == "Local" {
		return Zone{}, fmt.Errorf("time zone %q: name an IANA time zone such as Asia/Taipei", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return Zone{}, fmt.Errorf("unknown time zone %q: name an IANA time zone such as Asia/Taipei", name)
	}
	return Zone{loc: loc}, nil
}

// Location is the zone for the time package.
func (z Zone) Location() *time.Location {
	if z.loc == nil {
		return time.UTC
	}
	return z.loc
}

// Name is the IANA name of the zone: Asia/Taipei.
func (z Zone) Name() string { return z.Location().String() }

// In is t as a wall clock of the zone shows it.
func (z Zone) In(t time.Time) time.Time { return t.In(z.Location()) }

// Offset is the zone's distance from UTC at t: UTC+8, UTC+5:30, UTC-3,
// or UTC. It changes with summer time, so it is always of an instant.
func (z Zone) Offset(t time.Time) string {
	_, secs := z.In(t).Zone()
	if secs == 0 {
		return "UTC"
	}
	sign := "+"
	if secs < 0 {
		sign, secs = "-", -secs
	}
	h, m := secs/3600, secs%3600/60
	if m == 0 {
		return fmt.Sprintf("UTC%s%d", sign, h)
	}
	return fmt.Sprintf("UTC%s%d:%02d", sign, h, m)
}

// Time is t in the zone with its offset and no words: "2026-12-07 09:32
// UTC+8". It reads the same in every language, for messages whose reader's
// language is unknown where they are made (a domain error's arguments, an
// export). Where a translator is at hand, Phrase says more.
func (z Zone) Time(t time.Time) string {
	return z.In(t).Format("2006-01-02 15:04") + " " + z.Offset(t)
}

// Translate is a message in the reader's language: a page's or a mail's T,
// or i18n's Bundle.T bound to a language. A key it lacks comes back as the
// key itself, as Bundle.T returns it.
type Translate func(key string, args ...any) string

// Phrase is t in the zone as a reader of the portal reads it, its day
// written as DayText writes days and the zone said in their language:
// "7 Dec 2026 09:32 (Taipei time, UTC+8)", "2026年12月7日 09:32（台北時間，
// UTC+8）". Keys: locales/*/time.json.
func (z Zone) Phrase(tr Translate, t time.Time) string {
	local := z.In(t)
	return tr("time.at", DayText(tr, local)+" "+local.Format("15:04"), z.Label(tr, t))
}

// DayText is the calendar day of day, its year, month and day as written
// (a catalog date, or what Day returns), whatever its location, in the
// one way the reader's language writes a date: "2 Apr 2027",
// "2027年4月2日". Every date a person reads goes through it (or through
// DateText and Phrase, which use it), so that no page puts 2027-04-02
// beside 2 Apr 2027; ISO stays for machines (datetime attributes, CSV,
// form values, addresses). The pattern is the message time.date_format, a
// layout of Go's time package (locales/*/dates.json).
func DayText(tr Translate, day time.Time) string {
	layout := tr("time.date_format")
	if layout == "time.date_format" {
		layout = "2 Jan 2006" // a translator without the key: still a date
	}
	return day.Format(layout)
}

// DateText is the calendar day of the instant t in the zone, written as
// DayText writes it: 23:30 UTC on 6 December reads "7 Dec 2026" in Taipei.
func (z Zone) DateText(tr Translate, t time.Time) string { return DayText(tr, z.In(t)) }

// Label is the zone at t in the reader's language: "Taipei time, UTC+8";
// "UTC" for UTC itself. A zone whose city has no message is named by the
// city of its IANA name (America/New_York: New York).
func (z Zone) Label(tr Translate, t time.Time) string {
	name := z.Name()
	if name == "UTC" {
		return "UTC"
	}
	key := "time.zone." + name
	city := tr(key)
	if city == key {
		city = strings.ReplaceAll(name[strings.LastIndex(name, "/")+1:], "_", " ")
	}
	return tr("time.zone", city, z.Offset(t))
}

// Date is the calendar day of t in the zone, as machines read it:
// "2026-12-07" (a file name, a day to compare). People read DateText.
func (z Zone) Date(t time.Time) string { return z.In(t).Format(time.DateOnly) }

// Day is the calendar day of t in the zone as the portal stores calendar
// days (catalog.Day): midnight UTC of that date. 23:30 UTC on 6 December
// is 7 December in Taipei.
func (z Zone) Day(t time.Time) time.Time {
	y, m, d := z.In(t).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// EndOfDay is the last instant of calendar day day in the zone: its
// year, month and day as written (a catalog date, or what Day returns),
// whatever its location. A deadline "on 21 December" lasts until then.
// It is a microsecond before the next local midnight, not a nanosecond:
// PostgreSQL keeps microseconds and would round 23:59:59.999999999 up
// to the next day. Shown through Time or Phrase it reads 23:59. It is
// returned in UTC, as the database keeps instants: SQLite compares them
// as text, and 23:59+08:00 would sort after 16:01+00:00.
func (z Zone) EndOfDay(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, z.Location()).Add(-time.Microsecond).UTC()
}

// Deadline is the end of the zone's calendar day days after the day of
// from: an answer due "within 14 days" of an offer made at any hour of
// 7 December is due by the end of 21 December, local time.
func (z Zone) Deadline(from time.Time, days int) time.Time {
	return z.EndOfDay(z.Day(from).AddDate(0, 0, days))
}

// Readable writes, among the arguments of a message, the dates that were
// made where the reader's language was unknown (a domain error's
// "2027-04-02", a Time's "2027-04-02 09:32 UTC+8") as DayText writes
// dates, so that a refusal reads "the period started on 2 Apr 2027" beside
// pages that say 2 Apr 2027 too. Only arguments that are exactly such a
// date change; args itself is not modified.
func Readable(tr Translate, args []any) []any {
	var out []any
	for i, a := range args {
		s, ok := a.(string)
		if !ok || len(s) < len(time.DateOnly) || s[4] != '-' || s[7] != '-' {
			continue
		}
		day, err := time.Parse(time.DateOnly, s[:len(time.DateOnly)])
		rest := s[len(time.DateOnly):]
		if err != nil || (rest != "" && !isClock(rest)) {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = DayText(tr, day) + rest
	}
	if out == nil {
		return args
	}
	return out
}

// isClock reports whether s is what Time writes after the day: " 09:32
// UTC+8".
func isClock(s string) bool {
	if len(s) < len(" 15:04 UTC") || s[0] != ' ' || s[3] != ':' || s[6] != ' ' || !strings.HasPrefix(s[7:], "UTC") {
		return false
	}
	_, err := time.Parse("15:04", s[1:6])
	return err == nil
}
