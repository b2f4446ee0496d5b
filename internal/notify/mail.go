package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/mail"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	"portal/internal/clock"
	"portal/internal/i18n"
)

// Message is one mail, ready for a Mailer: headers are already free of
// line breaks, bodies are complete.
type Message struct {
	// ID is the Message-ID without angle brackets. It is derived from the
	// outbox row, so a mail sent twice after a crash carries the same id
	// and receiving systems can drop the copy.
	ID      string
	To      mail.Address
	Subject string
	Text    string
	HTML    string
	Date    time.Time
}

// Mailer sends mail: SMTP in production, a capture in dev mode and tests.
// An error wrapping ErrPermanent (a recipient the server rejects) is not
// retried; any other error is.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// ErrPermanent marks a failure that retrying cannot fix.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds.
func Permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

// oneLine makes s safe for a mail header: every control character,
// CR and LF first, becomes a space, and runs of spaces collapse. A name or a
// subject can then never start a header of its own.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// templates holds the mail templates of every kind: templates/mail/<kind>
// .html and .txt, each with the layout of its format.
type templates struct {
	html map[Kind]*htmltemplate.Template
	text map[Kind]*texttemplate.Template
}

func loadTemplates(tfs fs.FS) (*templates, error) {
	t := &templates{html: map[Kind]*htmltemplate.Template{}, text: map[Kind]*texttemplate.Template{}}
	for _, k := range Kinds {
		h, err := htmltemplate.New("layout.html").ParseFS(tfs, "templates/mail/layout.html", "templates/mail/"+string(k)+".html")
		if err != nil {
			return nil, fmt.Errorf("mail template %s.html: %w", k, err)
		}
		x, err := texttemplate.New("layout.txt").ParseFS(tfs, "templates/mail/layout.txt", "templates/mail/"+string(k)+".txt")
		if err != nil {
			return nil, fmt.Errorf("mail template %s.txt: %w", k, err)
		}
		t.html[k], t.text[k] = h, x
	}
	return t, nil
}

// mailView is what a mail template sees.
type mailView struct {
	Lang    i18n.Lang
	bundle  *i18n.Bundle
	zone    clock.Zone // the portal's: times are said in it
	Subject string
	Name    string // the recipient's name, or empty
	URL     string // BaseURL+Link, or empty
	Base    string // BaseURL, for the footer
	Data    map[string]any
	Digest  []digestLine
}

// digestLine is one queue of a reviewer's digest.
type digestLine struct {
	Label  string
	Count  int
	Oldest int // days
	URL    string
}

// T translates key into the recipient's language, the ISO dates among args
// (a mail's data) written as the language writes dates (clock.Readable).
func (v mailView) T(key string, args ...any) string {
	tr := func(k string, a ...any) string { return v.bundle.T(v.Lang, k, a...) }
	return v.bundle.T(v.Lang, key, clock.Readable(tr, args)...)
}

// D is the data value key as text as the recipient reads it (shown), ""
// when absent.
func (v mailView) D(key string) string { return shown(v.Lang, v.Data, key) }

// At is the instant of data key (RFC 3339, named *_at) in the portal's
// zone, said in the recipient's language: "2026-12-21 23:59 (Taipei time,
// UTC+8)". See instantText for data without it.
func (v mailView) At(key string) string { return instantText(v.bundle, v.Lang, v.zone, v.Data, key) }

// instantText is the instant of data key (a key named *_at holding RFC
// 3339) in zone z as a reader of lang reads it, with the zone said. Mail
// recorded before the key existed has the same time as text under the key
// without _at ("deadline" beside "deadline_at"): that text is shown then.
func instantText(b *i18n.Bundle, lang i18n.Lang, z clock.Zone, data map[string]any, key string) string {
	if s, ok := data[key].(string); ok {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return z.Phrase(func(k string, a ...any) string { return b.T(lang, k, a...) }, t)
		}
	}
	return shown(lang, data, strings.TrimSuffix(key, "_at"))
}

// langSuffix names the data keys holding a value in one language:
// "elective_zh" beside "elective". Data is stored once, when the event
// happens; the reader's language is known only when it is read, and may
// have changed since.
// A Japanese reader gets the English value: the catalog keeps no Japanese
// titles, and a Chinese one would read as a foreign language.
var langSuffix = map[i18n.Lang]string{i18n.English: "_en", i18n.TraditionalChinese: "_zh", i18n.Japanese: "_en"}

// shown is data key as a reader of lang reads it. A value stored in
// several languages ("elective_en", "elective_zh") is shown in the
// reader's, else as stored. An application's reference is its number as the
// application page heads it ("#39"), not the A-2026-0039 of older mail, so
// the notification and the page it links to name the case alike.
func shown(lang i18n.Lang, data map[string]any, key string) string {
	if key == "ref" {
		if id := dataText(data, "application_id"); id != "" {
			return "#" + id
		}
	}
	if v := dataText(data, key+langSuffix[lang]); v != "" && langSuffix[lang] != "" {
		return v
	}
	return dataText(data, key)
}

// TD translates a code from the data: TD "notify.stage" "stage" is the
// message notify.stage.<stage>.
func (v mailView) TD(prefix, key string) string {
	return v.bundle.T(v.Lang, prefix+"."+v.D(key))
}

func dataText(data map[string]any, key string) string {
	switch x := data[key].(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprintf("%g", x)
	default:
		return fmt.Sprint(x)
	}
}

// args are the message arguments of kind k's subject and title, times
// in zone z.
func args(b *i18n.Bundle, lang i18n.Lang, z clock.Zone, k Kind, data map[string]any) []any {
	var out []any
	for _, a := range kinds[k].Args {
		key, prefix, coded := strings.Cut(a, "@")
		v := shown(lang, data, key)
		switch {
		case coded:
			v = b.T(lang, prefix+"."+v)
		case strings.HasSuffix(key, "_at"):
			v = instantText(b, lang, z, data, key)
		}
		out = append(out, oneLine(v))
	}
	// A date in the data (or an older mail's time as text) reads as the
	// language writes dates.
	return clock.Readable(func(k string, a ...any) string { return b.T(lang, k, a...) }, out)
}

// render builds the subject and both bodies of kind k for v.
func (t *templates) render(k Kind, v mailView) (subject, text, html string, err error) {
	v.Subject = oneLine(v.bundle.T(v.Lang, subjectKey(k), args(v.bundle, v.Lang, v.zone, k, v.Data)...))
	var tb, hb bytes.Buffer
	if err := t.text[k].Execute(&tb, v); err != nil {
		return "", "", "", fmt.Errorf("render %s.txt: %w", k, err)
	}
	if err := t.html[k].Execute(&hb, v); err != nil {
		return "", "", "", fmt.Errorf("render %s.html: %w", k, err)
	}
	return v.Subject, tb.String(), hb.String(), nil
}
