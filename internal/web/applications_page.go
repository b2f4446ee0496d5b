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
	"portal/internal/p2p"
	"portal/internal/user"
)

// applicationView is the page of one application, as its reader may see
// it: the applicant's editing forms while it is theirs to change, and only
// the actions the workflow offers this reader now.
type applicationView struct {
	Page
	ID         int64
	Heading    string
	Applicant  string // who applied, for reviewers and the office
	Student    string // the applicant's student number and year of study, for the office (students.go)
	Tracker    applicationTracker
	Queue      *reviewQueueNav // previous and next of the review queue it was opened from (review_next.go)
	OneAtATime bool            // a reviewer's decision forms fold, one open at a time (review_next.go)
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
	Claim      *reviewClaimView  // who holds it, and taking or giving it (review_claim.go)
	Selection  *roundOutcomeView // the student's published selection outcome (rounds_outcome.go)
	Score      *roundScoreView   // the student's round score and appeals (rounds_appeals.go)
	Links      *uiLinksView      // verification, dossier links, sharing, EWP and report (ui_links.go)
	EWPFacts   *ewpFactsView     // the office's form for the student's EWP facts (ewp_facts.go)
	Departure  *departureLink    // the pre-departure checklist once confirmed (departure.go)
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
	View                  string // read in the browser (wallet_download.go), "" when it cannot be
}

type applicationEvent struct {
	At, Who, What, Comment string
	Datetime               string // At for machines (RFC 3339), the <time> element's datetime
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
	Join           string // the id of the form its button sends instead of its own (the draft form)
	Heading, Help  string
	Button         string
	Style          string // primary, danger or ""
	Comment        *field
	Internal       *field // the "internal" checkbox, for reviewers and the office
	Decisions      []option
	DecisionLegend string
	Rank           int
	Queue          string // the review queue the page was opened from: a decision lands on its next (review_next.go)
	Open           bool   // unfolded among a reviewer's decisions: the one refused
	TakeOver       *field // "take it over from X": deciding on what someone else holds (review_claim.go)
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
	now := s.Applications.Now()
	v.Tracker = applicationTrackerOf(v.Page, d.Application, d.Parties, now)
	if !mine {
		who, err := s.Users.Find(ctx, d.ApplicantID)
		if err != nil {
			return err
		}
		v.Applicant = who.Name + " · " + who.Email
		if u.Has(user.Office) {
			v.Student = studentLine(v.Page, who)
		}
	}
	v.Statement, v.Report = d.Statement, d.Report
	if d.Status == application.HostAccepted && d.OfferExpiresAt != nil {
		v.Offer = v.T("application.offer.until", v.When(*d.OfferExpiresAt))
	}
	for _, ch := range d.Choices {
		v.Choices = append(v.Choices, applicationChoiceOf(v.Page, d, ch))
	}
	for _, e := range d.Events {
		v.Events = append(v.Events, applicationEventOf(v.Page, e))
		switch {
		case e.Action == application.Return:
			v.Returned = &applicationNote{Who: e.ActorName, At: v.When(e.At), Text: e.Comment}
		case e.Action == application.Reject:
			v.Closing = &applicationNote{Who: e.ActorName, At: v.When(e.At), Text: e.Comment}
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
		// A submit (or attach) from the draft form saved it before it was
		// refused: the version moved on since the form was shown.
		if seen, _ := strconv.Atoi(at.form.Get("version")); len(fields) > 0 && at.form.Has("statement") && d.Version > seen && at.action != "save" {
			v.Alert.Message = v.T("home.alert.saved_not_done")
		}
	}
	editable := mine && (d.Status == application.Draft || d.Status == application.Returned)
	if editable {
		if v.Edit, err = s.applicationEditOf(c, v.Page, d, at, fields); err != nil {
			return err
		}
	}
	s.applicationForms(&v, d, at, fields)
	reviewDecisionsFold(&v, at)
	if queue := reviewQueueOf(c.FormValue("queue")); queue != "" && !mine {
		v.Queue = reviewQueueNavOf(v.Page, id, queue)
		for i := range v.Forms {
			v.Forms[i].Queue = queue
		}
	}
	if err := s.reviewClaimOf(ctx, &v, u, at, fields); err != nil {
		return err
	}
	if v.Selection, err = s.roundOutcome(c, v.Page, id); err != nil {
		return err
	}
	if v.Score, err = s.roundScore(c, v.Page, id); err != nil {
		return err
	}
	if v.Links, err = s.uiLinksOf(c, v.Page, d, mine, at); err != nil {
		return err
	}
	if v.EWPFacts, err = s.ewpFactsOf(c, v.Page, d, mine, at); err != nil {
		return err
	}
	if v.Departure, err = s.departureLinkOf(c, v.Page, d); err != nil {
		return err
	}
	return s.render.render(c, status, pageApplication, v)
}

func applicationChoiceOf(p Page, d *application.Detail, ch application.ChoiceDetail) applicationChoice {
	out := applicationChoice{
		Rank: ch.Rank, ID: fmt.Sprintf("choice-%d", ch.Rank),
		Title:        applicationTitle(p, ch.ElectiveTitleEN, ch.ElectiveTitleZH),
		Institution:  ch.InstitutionNameEN,
		ElectivePath: "/electives/" + strconv.FormatInt(ch.ElectiveID, 10),
		Dates:        p.T("application.choice.dates", p.Day(ch.StartsOn), p.Day(ch.EndsOn)),
		Seats:        p.N("application.choice.seats", ch.Capacity, max(ch.Capacity-ch.Taken, 0), ch.Capacity),
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
	facts := []string{document.FormatLabel(doc.MediaType), p.Size(doc.Size)}
	if doc.Version > 1 {
		facts = append(facts, p.T("wallet.doc.version", doc.Version))
	}
	if doc.ExpiresOn != nil {
		facts = append(facts, p.T("wallet.doc.expires", p.Day(*doc.ExpiresOn)))
	}
	return applicationDoc{
		Type: p.T("doc." + doc.Type), FileName: doc.FileName, Facts: strings.Join(facts, " · "),
		Download: "/documents/" + strconv.FormatInt(doc.ID, 10) + "/download",
		Name:     p.T("wallet.doc.download_name", doc.FileName),
		View:     documentViewPath(doc.ID, doc.MediaType),
	}
}

func applicationEventOf(p Page, e application.EventRow) applicationEvent {
	who := p.T("application.party." + string(e.Role))
	if e.ActorName != "" {
		who = e.ActorName + " (" + who + ")"
	}
	if e.Via != "" {
		who = p.T("host.timeline.by", e.Via) // the host answered itself (internal/host)
	}
	if name, ok := strings.CutPrefix(e.Via, p2p.ViaPrefix); ok {
		who = p.T("p2p.timeline.by", name) // through its own portal (internal/p2p)
	}
	out := applicationEvent{At: p.When(e.At), Datetime: e.At.UTC().Format(time.RFC3339), Who: who, Comment: e.Comment, Internal: e.Internal,
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
			// Named, as the other fields are: "Message to the student: Please fill this in."
			if label := "application.form." + action + ".comment"; p.bundle.Has(label) {
				text = p.T("application.alert.doc", p.T(label), text)
			}
			href = "#" + action + "-comment"
		case name == "decision":
			href = "#host_decision-decision-0"
		}
		a.Items = append(a.Items, walletSummaryItem{Href: href, Text: text})
	}
	return a
}
