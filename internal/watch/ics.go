package watch

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// ICSEvent is one VEVENT as a calendar shows it: the words are the
// caller's, in the reader's language.
type ICSEvent struct {
	UID         string // unique within the feed; Calendar adds the domain
	Summary     string
	Description string
	URL         string
	AllDay      bool
	Start, End  time.Time // calendar days, both included, when AllDay
	At          time.Time // the instant otherwise
}

// Calendar is an iCalendar object (RFC 5545) holding events.
type Calendar struct {
	ProdID string // -//Org//Product//EN
	Name   string // X-WR-CALNAME: what calendar apps call the subscription
	Domain string // makes UIDs globally unique: uid@domain
	Stamp  time.Time
	Events []ICSEvent
}

// Bytes writes the calendar as RFC 5545 text: CRLF line endings, lines
// folded at 75 octets without splitting a character, text escaped, every
// event with UID and DTSTAMP, all-day events as VALUE=DATE with DTEND the
// day after the last (DTEND is exclusive), others a moment in UTC.
func (c Calendar) Bytes() []byte {
	var b bytes.Buffer
	line := func(s string) { fold(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:" + c.ProdID)
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	if c.Name != "" {
		line("X-WR-CALNAME:" + escapeText(c.Name))
	}
	stamp := c.Stamp.UTC().Format("20060102T150405Z")
	for _, e := range c.Events {
		line("BEGIN:VEVENT")
		line("UID:" + escapeText(e.UID+"@"+c.Domain))
		line("DTSTAMP:" + stamp)
		if e.AllDay {
			line("DTSTART;VALUE=DATE:" + e.Start.Format("20060102"))
			line("DTEND;VALUE=DATE:" + e.End.AddDate(0, 0, 1).Format("20060102"))
		} else {
			// A deadline is a moment: without DTEND the event ends where
			// it starts (RFC 5545 3.6.1); a DTEND equal to DTSTART is not
			// allowed (3.8.2.2).
			line("DTSTART:" + e.At.UTC().Format("20060102T150405Z"))
		}
		line("SUMMARY:" + escapeText(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION:" + escapeText(e.Description))
		}
		if e.URL != "" {
			line("URL:" + e.URL)
		}
		line("TRANSP:TRANSPARENT")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.Bytes()
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11).
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// fold writes one content line, folded so that no physical line exceeds 75
// octets (RFC 5545 3.1): a continuation starts with one space.
func fold(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
