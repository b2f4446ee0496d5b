package web

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/document"
)

// applicationEditOf builds the applicant's draft form: the saved choices
// and statement, or what they typed when saving was refused.
func (s *Server) applicationEditOf(c echo.Context, p Page, d *application.Detail, at *applicationAttempt, fields apperr.Fields) (*applicationEdit, error) {
	ctx := c.Request().Context()
	id := strconv.FormatInt(d.ID, 10)
	e := &applicationEdit{Save: application.Link(d.ID) + "/save", CSRF: p.CSRF, Version: d.Version, Returned: d.Status == application.Returned}
	opts, err := s.Applications.Options(ctx)
	if err != nil {
		return nil, err
	}
	chosen := make([]string, application.MaxChoices)
	for _, ch := range d.Choices {
		if ch.Rank <= application.MaxChoices {
			chosen[ch.Rank-1] = fmt.Sprintf("%d:%d", ch.ElectiveID, ch.PeriodID)
		}
	}
	e.Statement = field{ID: "statement", Name: "statement", Label: p.T("application.field.statement"), Kind: "textarea",
		Value: d.Statement, Hint: p.T("application.field.statement_hint", application.MaxStatement)}
	// What was typed is shown again whichever of the form's buttons was
	// pressed (Save, Submit, Attach, Detach); after a conflict the page
	// shows what is saved now, so that nothing is overwritten unseen.
	if at != nil && at.form.Has("statement") && apperr.CodeOf(at.err) != apperr.Conflict {
		for i := range chosen {
			chosen[i] = at.form.Get(fmt.Sprintf("choice_%d", i+1))
		}
		e.Statement.Value = at.form.Get("statement")
	}
	if m, ok := fields["statement"]; ok {
		e.Statement.Error = p.T(m.Key, m.Args...)
	}
	for i := range application.MaxChoices {
		name := fmt.Sprintf("choice_%d", i+1)
		slot := applicationSlot{ID: fmt.Sprintf("choice-%d", i+1), Name: name, Label: p.T("application.field.choice", i+1), Chosen: chosen[i]}
		if m, ok := fields[name]; ok {
			slot.Error = p.T(m.Key, m.Args...)
		}
		slot.Groups = applicationGroups(p, opts, d.Choices, chosen[i])
		e.Slots = append(e.Slots, slot)
	}
	wallet, err := s.Documents.Current(ctx, d.ApplicantID)
	if err != nil {
		return nil, err
	}
	for _, doc := range wallet {
		w := applicationWalletDoc{ID: doc.ID, Label: p.T("doc."+doc.Type) + ": " + doc.FileName,
			Attached: slices.Contains(d.Documents, doc.ID)}
		if w.Attached {
			w.Action, w.Button = "/applications/"+id+"/detach", p.T("application.docs.detach", doc.FileName)
		} else {
			w.Action, w.Button = "/applications/"+id+"/attach", p.T("application.docs.attach", doc.FileName)
		}
		e.Wallet = append(e.Wallet, w)
	}
	lists, err := s.Applications.Checklist(ctx, visitorOf(c).User, d.ID)
	if err != nil {
		return nil, err
	}
	for i, l := range lists {
		cl := applicationChecklist{Ready: l.Ready(),
			Heading: p.T("application.checklist.choice", i+1, p.Day(l.StartsOn), p.Day(l.EndsOn))}
		if cl.Ready {
			cl.Status = p.T("wallet.check.ready")
		} else {
			cl.Status = p.T("wallet.check.not_ready")
		}
		for _, n := range l.Needs {
			it := WalletChecklistItem{Label: p.T("doc." + n.Type), State: "ok", Status: p.T("wallet.check.have")}
			switch n.Status {
			case document.Missing:
				it.State, it.Status = "missing", p.T("wallet.check.missing")
			case document.ExpiredBefore:
				it.State, it.Status = "expired", p.T("wallet.check.expired")
				it.Detail = p.T("wallet.check.problem_expired", p.T("doc."+n.Type), p.Day(*n.Document.ExpiresOn))
			case document.ExpiresDuring:
				it.Detail = p.T("wallet.check.problem_during", p.T("doc."+n.Type), p.Day(*n.Document.ExpiresOn))
			}
			cl.Items = append(cl.Items, it)
		}
		e.Checklist = append(e.Checklist, cl)
	}
	return e, nil
}

// applicationGroups are the options of one choice select: the empty
// choice, the saved choices (even when no longer open, so that the student
// sees what they chose) and what is open today, by institution and elective.
func applicationGroups(p Page, opts []application.Option, saved []application.ChoiceDetail, chosen string) []applicationOptGroup {
	groups := []applicationOptGroup{{Options: []option{{Value: "", Label: p.T("application.field.choice_none"), Selected: chosen == ""}}}}
	seen := map[string]bool{}
	for _, ch := range saved {
		val := fmt.Sprintf("%d:%d", ch.ElectiveID, ch.PeriodID)
		seen[val] = true
		label := p.T("application.option", ch.InstitutionNameEN, applicationTitle(p, ch.ElectiveTitleEN, ch.ElectiveTitleZH),
			p.Day(ch.StartsOn), p.Day(ch.EndsOn))
		if ch.ElectiveRetired || ch.PeriodRetired {
			label += " " + p.T("application.option.retired")
		}
		if len(groups) == 1 {
			groups = append(groups, applicationOptGroup{Label: p.T("application.field.saved")})
		}
		groups[1].Options = append(groups[1].Options, option{Value: val, Label: label, Selected: val == chosen})
	}
	for _, o := range opts {
		val := fmt.Sprintf("%d:%d", o.ElectiveID, o.PeriodID)
		if seen[val] {
			continue
		}
		inst := o.InstitutionNameEN
		if o.InstitutionNameLocal != "" && o.InstitutionNameLocal != inst {
			inst += " " + o.InstitutionNameLocal
		}
		label := inst + " · " + applicationTitle(p, o.ElectiveTitleEN, o.ElectiveTitleZH)
		if n := len(groups); groups[n-1].Label != label {
			groups = append(groups, applicationOptGroup{Label: label})
		}
		text := p.T("application.option.period", p.Day(o.StartsOn), p.Day(o.EndsOn), o.SeatsLeft())
		g := &groups[len(groups)-1]
		g.Options = append(g.Options, option{Value: val, Label: text, Selected: val == chosen})
	}
	return groups
}
