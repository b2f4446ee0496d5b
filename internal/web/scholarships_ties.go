package web

import (
	"net/url"
	"strconv"

	"portal/internal/scholarship"
)

// A scholarship call's tie-break keys (issue 14): three selects on the
// call's form, as on a round's, and the keys in order on the call's page,
// the lottery with its seed last.

// bindCallTies reads the form's tie1..tie3.
func bindCallTies(form url.Values) []string {
	var out []string
	for i := 1; i <= scholarship.MaxTiebreaks; i++ {
		out = append(out, form.Get("tie"+strconv.Itoa(i)))
	}
	return out
}

// callTieChoices are the options of the form's selects (a rubric row of
// rows, the year of study, the earlier request) and the selects with what
// was chosen.
func callTieChoices(p Page, rows int, chosen []string) ([]tieOption, []tieSlot) {
	var opts []tieOption
	for i := 1; i <= rows; i++ {
		opts = append(opts, tieOption{Value: "component:" + strconv.Itoa(i), Label: p.T("rounds.tie.component", i)})
	}
	opts = append(opts, tieOption{Value: scholarship.TieYear, Label: p.T("scholarship_ties.year")},
		tieOption{Value: scholarship.TieSubmitted, Label: p.T("scholarship_ties.submitted")})
	var slots []tieSlot
	for i := range scholarship.MaxTiebreaks {
		slot := tieSlot{N: i + 1}
		if i < len(chosen) {
			slot.Chosen = chosen[i]
		}
		slots = append(slots, slot)
	}
	return opts, slots
}

// callTies names call f's keys in order for its page, the lottery last.
func callTies(p Page, f *scholarship.Full) []string {
	names := map[int64]string{}
	for _, comp := range f.Components {
		names[comp.ID] = scholarshipComponentName(p, comp)
	}
	var out []string
	for _, t := range f.Tiebreaks {
		switch {
		case t.Kind == scholarship.TieComponent && t.ComponentID != nil:
			out = append(out, p.T("scholarship_ties.component", names[*t.ComponentID]))
		case t.Kind == scholarship.TieYear:
			out = append(out, p.T("scholarship_ties.year"))
		case t.Kind == scholarship.TieSubmitted:
			out = append(out, p.T("scholarship_ties.submitted"))
		}
	}
	return append(out, p.T("rounds.tie.lottery", f.Seed))
}
