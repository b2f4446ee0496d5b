package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/document"
)

// applicationView is the page of one application, as its reader may see
// it: the applicant's editing forms while it is theirs to change, and only
// the actions the workflow offers this reader now.
type applicationView struct {
	Page
	ID         int64
	Heading    string
	Applicant  string // who applied, for reviewers and the office
	Tracker    applicationTracker
	Alert      *applicationAlert
	Returned   *applicationNote // the reviewer's message of a returned application
	Closing    *applicationNote // the reason of a rejection
	Offer      string           // the offer's deadline
	Choices    []applicationChoice
	Statement  string
	Report     string
	Documents  []applicationDoc
	Events     []applicationEvent
	Edit       *applicationEdit
	Forms      []applicationForm
	Withdraw   *applicationForm
	Note       *applicationForm
	IsReviewer bool
}

// applicationAlert says what went wrong with the last request: a refusal
// (a stale version, a closed window) and the field messages as links.
type applicationAlert struct {
	Heading, Message string
	Items            []walletSummaryItem
}

type applicationNote struct {
	Who, At, Text string
}

type applicationChoice struct {
	Rank                    int
	ID                      string // anchor, "choice-2"
	Title, Institution      string
	InstitutionLocal        string
	ElectivePath            string
	Dates, Seats            string
	Decision                string
	Current, Retired, Place bool
}

type applicationDoc struct {
	Type, FileName, Facts string
	Download, Name        string
}

type applicationEvent struct {
	At, Who, What, Comment string
	Internal, Note         bool
}

// applicationEdit is the applicant's draft form, the wallet documents to
// attach and the checklist, while the application is theirs to change.
type applicationEdit struct {
	Save      string
	CSRF      string
	Version   int
	Slots     []applicationSlot
	Statement field
	Wallet    []applicationWalletDoc
	Checklist []applicationChecklist
	Returned  bool
}

// applicationSlot is one ranked choice: a select of elective and period,
// grouped by institution and elective.
type applicationSlot struct {
	ID, Name, Label, Error string
	Groups                 []applicationOptGroup
	Chosen                 string // the saved or typed value
}

type applicationOptGroup struct {
	Label   string
	Options []option
}

type applicationWalletDoc struct {
	ID       int64
	Label    string
	Attached bool
	Action   string
	Button   string
}

type applicationChecklist struct {
	Heading string
	Ready   bool
	Status  string
	Items   []WalletChecklistItem
}

// applicationForm is one action's form. Every form carries the version it
// was shown at: acting on a stale page is refused, never applied.
type applicationForm struct {
	Action, Path   string
	CSRF           string
	Version        int
	Key            string // the submit form's idempotency key
	Heading, Help  string
	Button         string
	Style          string // primary, danger or ""
	Comment        *field
	Internal       *field // the "internal" checkbox, for reviewers and the office
	Decisions      []option
	DecisionLegend string
	Rank           int
}

// applicationAttempt is a refused request shown again on the page: which
// form, what was typed, and what was wrong.
type applicationAttempt struct {
	action string
	form   url.Values
	err    error
}

func (s *Server) applicationShow(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return s.applicationPage(c, http.StatusOK, id, nil)
}

// applicationPage renders application id for the visitor; at, when not
// nil, is the refused request to show again.
func (s *Server) applicationPage(c echo.Context, status int, id int64, at *applicationAttempt) error {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	d, err := s.Applications.Get(ctx, u, id)
	if err != nil {
		return err
	}
	v := applicationView{Page: s.page(c, "application.page.title"), ID: id}
	v.Heading = v.T("application.number", id)
	v.Title = v.Heading
	mine := slices.Contains(d.Parties, application.Applicant)
	v.IsReviewer = !mine
	now := time.Now()
	v.Tracker = applicationTrackerOf(v.Page, d.Application, d.Parties, now)
	if !mine {
		who, err := s.Users.Find(ctx, d.ApplicantID)
		if err != nil {
			return err
		}
		v.Applicant = who.Name + " · " + who.Email
	}
	v.Statement, v.Report = d.Statement, d.Report
	if d.Status == application.HostAccepted && d.OfferExpiresAt != nil {
		v.Offer = v.T("application.offer.until", d.OfferExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	for _, ch := range d.Choices {
		v.Choices = append(v.Choices, applicationChoiceOf(v.Page, d, ch))
	}
	for _, e := range d.Events {
		v.Events = append(v.Events, applicationEventOf(v.Page, e))
		switch {
		case e.Action == application.Return:
			v.Returned = &applicationNote{Who: e.ActorName, At: e.At.UTC().Format("2006-01-02 15:04"), Text: e.Comment}
		case e.Action == application.Reject:
			v.Closing = &applicationNote{Who: e.ActorName, At: e.At.UTC().Format("2006-01-02 15:04"), Text: e.Comment}
		}
	}
	if d.Status != application.Returned {
		v.Returned = nil
	}
	if d.Status != application.Rejected {
		v.Closing = nil
	}
	docs, err := s.Applications.Attached(ctx, d.Documents)
	if err != nil {
		return err
	}
	for _, doc := range docs {
		v.Documents = append(v.Documents, applicationDocOf(v.Page, doc))
	}
	var fields apperr.Fields
	if at != nil {
		fields = apperr.FieldsOf(at.err)
		v.Alert = applicationAlertOf(v.Page, at.action, at.err, fields)
	}
	editable := mine && (d.Status == application.Draft || d.Status == application.Returned)
	if editable {
		if v.Edit, err = s.applicationEditOf(c, v.Page, d, at, fields); err != nil {
			return err
		}
	}
	s.applicationForms(&v, d, at, fields)
	return s.render.render(c, status, "application", v)
}

func applicationChoiceOf(p Page, d *application.Detail, ch application.ChoiceDetail) applicationChoice {
	out := applicationChoice{
		Rank: ch.Rank, ID: fmt.Sprintf("choice-%d", ch.Rank),
		Title:        applicationTitle(p, ch.ElectiveTitleEN, ch.ElectiveTitleZH),
		Institution:  ch.InstitutionNameEN,
		ElectivePath: "/electives/" + strconv.FormatInt(ch.ElectiveID, 10),
		Dates:        p.T("application.choice.dates", applicationDate(ch.StartsOn), applicationDate(ch.EndsOn)),
		Seats:        p.T("application.choice.seats", max(ch.Capacity-ch.Taken, 0), ch.Capacity),
		Retired:      ch.ElectiveRetired || ch.PeriodRetired,
		Place:        ch.SeatReserved,
	}
	if ch.InstitutionNameLocal != ch.InstitutionNameEN {
		out.InstitutionLocal = ch.InstitutionNameLocal
	}
	if ch.HostDecision != "" {
		out.Decision = p.T("application.host_decision." + ch.HostDecision)
	}
	switch d.Status {
	case application.Nominated, application.Waitlisted, application.HostAccepted, application.HostRejected:
		out.Current = ch.Rank == d.CurrentChoice
	}
	return out
}

func applicationDocOf(p Page, doc document.Document) applicationDoc {
	facts := []string{document.FormatLabel(doc.MediaType), document.SizeLabel(doc.Size)}
	if doc.Version > 1 {
		facts = append(facts, p.T("wallet.doc.version", doc.Version))
	}
	if doc.ExpiresOn != nil {
		facts = append(facts, p.T("wallet.doc.expires", applicationDate(*doc.ExpiresOn)))
	}
	return applicationDoc{
		Type: p.T("doc." + doc.Type), FileName: doc.FileName, Facts: strings.Join(facts, " · "),
		Download: "/documents/" + strconv.FormatInt(doc.ID, 10) + "/download",
		Name:     p.T("wallet.doc.download_name", doc.FileName),
	}
}

func applicationEventOf(p Page, e application.EventRow) applicationEvent {
	who := p.T("application.party." + string(e.Role))
	if e.ActorName != "" {
		who = e.ActorName + " (" + who + ")"
	}
	out := applicationEvent{At: e.At.UTC().Format("2006-01-02 15:04"), Who: who, Comment: e.Comment, Internal: e.Internal,
		Note: e.Action == application.Note}
	switch {
	case e.Action == application.Note && e.Internal:
		out.What = p.T("application.event.internal_note")
	case e.Action == application.Note:
		out.What = p.T("application.event.message")
	case e.Choice > 0:
		out.What = p.T("application.event.choice", p.T("application.action."+string(e.Action)), e.Choice)
	default:
		out.What = p.T("application.action." + string(e.Action))
	}
	return out
}

// applicationAlertOf writes the box at the top of a refused request.
func applicationAlertOf(p Page, action string, err error, fields apperr.Fields) *applicationAlert {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		ae = apperr.Internalf("%v", err)
	}
	a := &applicationAlert{Heading: p.T("application.alert.refused"), Message: p.T(ae.Key, ae.Args...)}
	if ae.Code == apperr.Conflict {
		a.Heading = p.T("application.alert.changed")
	}
	if len(fields) == 0 {
		return a
	}
	a.Message = p.T("application.alert.nothing_changed")
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		m := fields[name]
		text := p.T(m.Key, m.Args...)
		href := "#field-" + name
		switch {
		case strings.HasPrefix(name, "choice_"):
			text = p.T("application.alert.choice", strings.TrimPrefix(name, "choice_"), text)
			href = "#" + strings.Replace(name, "_", "-", 1)
		case strings.HasPrefix(name, "doc_"):
			text = p.T("application.alert.doc", p.T("doc."+strings.TrimPrefix(name, "doc_")), text)
			href = "#checklist"
		case name == "statement":
			text = p.T("application.alert.doc", p.T("application.field.statement"), text)
			href = "#statement"
		case name == "comment" || name == "report":
			href = "#" + action + "-comment"
		case name == "decision":
			href = "#host_decision-decision-0"
		}
		a.Items = append(a.Items, walletSummaryItem{Href: href, Text: text})
	}
	return a
}

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
	// What was typed is shown again when it was refused; after a conflict
	// the page shows what is saved now, so that nothing is overwritten
	// unseen.
	if at != nil && at.action == "save" && apperr.CodeOf(at.err) == apperr.Invalid {
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
			Heading: p.T("application.checklist.choice", i+1, applicationDate(l.StartsOn), applicationDate(l.EndsOn))}
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
				it.Detail = p.T("wallet.check.problem_expired", p.T("doc."+n.Type), applicationDate(*n.Document.ExpiresOn))
			case document.ExpiresDuring:
				it.Detail = p.T("wallet.check.problem_during", p.T("doc."+n.Type), applicationDate(*n.Document.ExpiresOn))
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
			applicationDate(ch.StartsOn), applicationDate(ch.EndsOn))
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
		text := p.T("application.option.period", applicationDate(o.StartsOn), applicationDate(o.EndsOn), o.SeatsLeft())
		g := &groups[len(groups)-1]
		g.Options = append(g.Options, option{Value: val, Label: text, Selected: val == chosen})
	}
	return groups
}

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
		case application.FileReport:
			f := form("file_report", p.T("application.action.file_report"), "primary")
			comment(&f, true, false)
			f.Comment.Label = p.T("application.form.file_report.comment")
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
