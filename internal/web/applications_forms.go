package web

import (
	"slices"

	"portal/internal/apperr"
	"portal/internal/application"
)

// applicationForms adds a form for each action the workflow offers the
// reader now, and nothing else.
func (s *Server) applicationForms(v *applicationView, d *application.Detail, at *applicationAttempt, fields apperr.Fields) {
	p := v.Page
	base := application.Link(d.ID) + "/"
	reviewer := slices.Contains(d.Parties, application.Reviewer) || slices.Contains(d.Parties, application.Office)
	form := func(action, button, style string) applicationForm {
		return applicationForm{Action: action, Path: base + action, CSRF: p.CSRF, Version: d.Version,
			Button: button, Style: style, Heading: p.T("application.form." + action + ".title")}
	}
	comment := func(f *applicationForm, required bool, internal bool) {
		f.Comment = &field{ID: f.Action + "-comment", Name: "comment", Kind: "textarea", Required: required,
			Label: p.T("application.form." + f.Action + ".comment")}
		if !required {
			f.Comment.Optional = p.T("application.form.optional")
		}
		if internal {
			f.Internal = &field{ID: f.Action + "-internal", Name: "internal", Kind: "checkbox", Label: p.T("application.form.internal")}
		}
		if at != nil && at.action == f.Action {
			f.Comment.Value = at.form.Get("comment")
			if m, ok := fields["comment"]; ok {
				f.Comment.Error = p.T(m.Key, m.Args...)
			}
			if m, ok := fields["report"]; ok {
				f.Comment.Error = p.T(m.Key, m.Args...)
			}
			if f.Internal != nil && at.form.Get("internal") == "1" {
				f.Internal.Value = "1"
			}
		}
	}
	var host []option
	for _, a := range d.Actions {
		switch a {
		case application.Submit, application.Resubmit:
			f := form("submit", p.T("application.action."+string(a)), "primary")
			f.Help = p.T("application.form.submit.help")
			f.Key = applicationKey()
			if v.Edit != nil {
				f.Join = "app-edit" // submit saves what the draft form holds first
				f.Help = p.T("home.submit.help")
			}
			v.Forms = append(v.Forms, f)
		case application.StartReview:
			f := form("start_review", p.T("application.action.start_review"), "primary")
			v.Forms = append(v.Forms, f)
		case application.Approve, application.Nominate, application.Promote:
			f := form(string(a), p.T("application.action."+string(a)), "primary")
			comment(&f, false, true)
			v.Forms = append(v.Forms, f)
		case application.Return, application.Reject:
			f := form(string(a), p.T("application.action."+string(a)), "")
			if a == application.Reject {
				f.Style = "danger"
			}
			comment(&f, true, false)
			v.Forms = append(v.Forms, f)
		case application.HostAccept, application.HostWaitlist, application.HostReject:
			decision := map[application.Action]string{application.HostAccept: application.HostDecisionAccepted,
				application.HostWaitlist: application.HostDecisionWaitlisted, application.HostReject: application.HostDecisionRejected}[a]
			host = append(host, option{Value: decision, Label: p.T("application.host_decision." + decision)})
		case application.AcceptOffer:
			f := form("accept_offer", p.T("application.action.accept_offer"), "primary")
			f.Help = v.Offer
			v.Forms = append(v.Forms, f)
		case application.DeclineOffer:
			f := form("decline_offer", p.T("application.action.decline_offer"), "danger")
			comment(&f, false, false)
			v.Forms = append(v.Forms, f)
		case application.Withdraw:
			f := form("withdraw", p.T("application.action.withdraw"), "danger")
			f.Help = p.T("application.form.withdraw.help")
			comment(&f, false, false)
			v.Withdraw = &f
		}
	}
	if len(host) > 0 {
		f := form("host_decision", p.T("application.form.host_decision.button"), "primary")
		f.Rank = d.CurrentChoice
		f.Help = p.T("application.form.host_decision.help", d.CurrentChoice)
		chosen := ""
		if at != nil && at.action == "host_decision" {
			chosen = at.form.Get("decision")
		}
		for i := range host {
			host[i].Selected = host[i].Value == chosen
		}
		f.Decisions, f.DecisionLegend = host, p.T("application.form.host_decision.legend")
		comment(&f, false, true)
		v.Forms = append(v.Forms, f)
	}
	if d.Status != application.Draft {
		f := form("note", p.T("application.form.note.button"), "")
		comment(&f, true, reviewer)
		if !reviewer {
			f.Heading, f.Comment.Label = p.T("application.form.note.title_applicant"), p.T("application.form.note.comment_applicant")
		}
		v.Note = &f
	}
}
