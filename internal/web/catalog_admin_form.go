package web

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/catalog"
)

// The management pages describe their forms as data: a field knows its
// label, value, options and message, and one partial (manage_field) draws
// any of them with the label, hint and error tied to the input. Labels and
// messages are translated here, so that templates only place text.

// field is one input of a management form.
type field struct {
	Name     string // the form name, as the catalog's check() names the field
	ID       string // unique in the page
	Label    string
	Kind     string // text, email, url, date, number, textarea, select, radio, checkboxes, checkbox
	Value    string
	Required bool
	Optional string // the "optional" mark, shown after the label when not required
	Hint     string
	Error    string
	Options  []option
}

// option is one choice of a select, radio group or group of checkboxes.
type option struct {
	Value, Label string
	Selected     bool
}

// ErrorID is the id of the field's message.
func (f field) ErrorID() string { return f.ID + "-error" }

// HintID is the id of the field's hint.
func (f field) HintID() string { return f.ID + "-hint" }

// DescribedBy lists the ids of the hint and the message, for aria-describedby.
func (f field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.HintID())
	}
	if f.Error != "" {
		ids = append(ids, f.ErrorID())
	}
	return strings.Join(ids, " ")
}

// Group reports whether the field is a set of boxes drawn as a fieldset.
func (f field) Group() bool { return f.Kind == "radio" || f.Kind == "checkboxes" }

// Target is what the error summary links to: the input, or the first box
// of a group.
func (f field) Target() string {
	if f.Group() {
		return f.ID + "-0"
	}
	return f.ID
}

// InputType is the type attribute of a one-line input. Numbers are text
// with a numeric keyboard, so that whatever was typed comes back to the
// server, and back to the form, as typed.
func (f field) InputType() string {
	if f.Kind == "number" {
		return "text"
	}
	return f.Kind
}

// fieldGroup is a fieldset of a form.
type fieldGroup struct {
	Legend string
	Fields []field
}

// form is one management form.
type form struct {
	ID      string // prefix of its fields' ids
	Action  string
	Submit  string
	CSRF    string
	Groups  []fieldGroup
	Compact bool // drawn inline, as in the table of periods
}

func (f form) fields() []field {
	var out []field
	for _, g := range f.Groups {
		out = append(out, g.Fields...)
	}
	return out
}

// errorSummary is the list of problems shown at the top of a page whose
// form failed, each linking to its field.
type errorSummary struct {
	Title   string
	Message string
	Items   []summaryItem
}

type summaryItem struct {
	Href, Label, Message string
}

// formBuilder makes the fields of one form, translated and with the
// messages of a failed submission attached.
type formBuilder struct {
	p      Page
	prefix string
	errs   apperr.Fields
}

func newForm(p Page, prefix string, err error) *formBuilder {
	return &formBuilder{p: p, prefix: prefix, errs: apperr.FieldsOf(err)}
}

func (b *formBuilder) field(kind, name, labelKey, value string, required bool) field {
	f := field{Name: name, ID: b.prefix + name, Label: b.p.T(labelKey), Kind: kind, Value: value, Required: required}
	if !required {
		f.Optional = b.p.T("manage.optional")
	}
	if m, ok := b.errs[name]; ok {
		f.Error = b.p.T(m.Key, m.Args...)
	}
	return f
}

func (b *formBuilder) hint(f field, key string, args ...any) field {
	f.Hint = b.p.T(key, args...)
	return f
}

// choose makes a select whose first option is an empty "choose" entry.
func (b *formBuilder) choose(name, labelKey, value string, required bool, opts []option) field {
	f := b.field("select", name, labelKey, value, required)
	empty := "manage.choose"
	if !required {
		empty = "manage.none"
	}
	f.Options = append([]option{{Value: "", Label: b.p.T(empty)}}, selected(opts, value)...)
	return f
}

// codes makes options of a vocabulary, translated under prefix.
func (b *formBuilder) codes(prefix string, vocab []string) []option {
	out := make([]option, len(vocab))
	for i, v := range vocab {
		out[i] = option{Value: v, Label: b.p.T(prefix + v)}
	}
	return out
}

// currencyOptions offers the currencies by their ISO codes, which read
// the same in every language.
func currencyOptions() []option {
	out := make([]option, len(catalog.Currencies))
	for i, c := range catalog.Currencies {
		out[i] = option{Value: c, Label: c}
	}
	return out
}

func selected(opts []option, values ...string) []option {
	for i := range opts {
		opts[i].Selected = slices.Contains(values, opts[i].Value)
	}
	return opts
}

// summarize lists the messages of err for the error summary, in the order
// of the fields; messages for fields no form shows come last, unlinked.
func summarize(p Page, err error, forms ...form) *errorSummary {
	var ae *apperr.Error
	if err == nil || !errors.As(err, &ae) {
		return nil
	}
	s := &errorSummary{Title: p.T("manage.errors.title"), Message: p.T(ae.Key, ae.Args...)}
	shown := map[string]bool{}
	for _, f := range forms {
		for _, fl := range f.fields() {
			if fl.Error != "" {
				s.Items = append(s.Items, summaryItem{Href: "#" + fl.Target(), Label: fl.Label, Message: fl.Error})
				shown[fl.Name] = true
			}
		}
	}
	names := make([]string, 0, len(ae.Fields))
	for name := range ae.Fields {
		if !shown[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		m := ae.Fields[name]
		s.Items = append(s.Items, summaryItem{Message: p.T(m.Key, m.Args...)})
	}
	return s
}

// invalid reports whether err is a validation error that the form shows
// again; any other error goes to the error page.
func invalid(err error) bool { return apperr.CodeOf(err) == apperr.Invalid }

// formID reads a chosen id; anything else is "none", which the catalog
// refuses where a choice is required.
func formID(c echo.Context, name string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(c.FormValue(name)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// dateString shows a calendar day as the value of a date input.
func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
