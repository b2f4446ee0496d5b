package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/i18n"
	"portal/internal/user"
)

// reviewer serves the queue and keeps the partner choices of the filter form, kept a minute so that a queue page
// costs the session lookup and one statement of its own.
type reviewer struct {
	*Server

	mu        sync.Mutex
	partners  *reviewPartners
	partnerAt time.Time
}

// reviewPartnersTTL is how long the filter's partner list is kept: a
// partner added in the catalog shows in the filter within a minute.
const reviewPartnersTTL = time.Minute

// queue is the reviewers' queue page. An htmx request from the filter form
// gets only the queue (tabs, table, pager); everything else gets the page.
func (rv *reviewer) queue(c echo.Context) error {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	form, f, bad := reviewParams(c.QueryParams())
	v := reviewView{Page: rv.page(c, "review.title"), Form: form, Bulk: u.Has(user.Office, user.Admin)}
	staleDays := rv.Config.StaleDays()
	v.Lede, v.Empty = v.T("review.lede", staleDays), v.T("review.empty")
	if v.Bulk {
		v.bulkButtons()
		v.exportOptions()
	}
	if n := c.QueryParam("notice"); n == "none_selected" || n == "queue_end" { // only known notices: the address is anyone's to type
		v.Notice = v.T("review.notice." + n)
	}
	status := http.StatusOK
	var qp *application.QueuePage
	var err error
	if len(bad) == 0 {
		qp, err = rv.Applications.Queue(ctx, u, f)
	} else {
		err = f.Check() // the queue's own complaints, shown with the form's
	}
	if fields := apperr.FieldsOf(err); len(bad) > 0 || fields != nil {
		status = http.StatusUnprocessableEntity
		v.refuse(bad, fields)
	} else if err != nil {
		return err
	} else {
		v.fill(qp, staleDays)
		if f.After != "" {
			v.First = reviewLink(qp.Filter, "")
		}
	}
	c.Response().Header().Add("Vary", "HX-Request")
	h := c.Request().Header
	if h.Get("HX-Request") == "true" && h.Get("HX-History-Restore-Request") != "true" {
		// htmx swaps only 2xx answers; the errors are in the fragment.
		return rv.render.fragment(c, http.StatusOK, fragReviewQueue, v)
	}
	partners, err := rv.partnerList(ctx)
	if err != nil {
		return err
	}
	v.options(partners)
	return rv.render.render(c, status, pageReview, v)
}

// partnerList is the partners of the filter form, at most a minute old.
func (rv *reviewer) partnerList(ctx context.Context) (*reviewPartners, error) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if rv.partners != nil && time.Since(rv.partnerAt) < reviewPartnersTTL {
		return rv.partners, nil
	}
	all, err := rv.Catalog.Institutions(ctx, false)
	if err != nil {
		return nil, err
	}
	var out []catalog.Institution
	for _, in := range all {
		if !in.IsHome {
			out = append(out, in)
		}
	}
	rv.partners, rv.partnerAt = newReviewPartners(out), time.Now()
	return rv.partners, nil
}

// QueueRows renders the rows of the queue table exactly as the queue page
// does for an office user (selection boxes included), with the same
// template, the same view code and the configured stale highlight, but
// without a request or a session. The benchmark measures the page against
// it. Get one from Server.QueueRows once; it is safe for concurrent use.
type QueueRows struct{ s *Server }

// QueueRows renders with the templates parsed at start (render.go).
func (s *Server) QueueRows() *QueueRows { return &QueueRows{s: s} }

// Render writes the <tr> rows of rows in lang, as the default queue
// (what waits for the reader) shows them.
func (q *QueueRows) Render(w io.Writer, lang i18n.Lang, rows []application.QueueRow) error {
	t := reviewRows(q.s.reviewPage(lang), rows, q.s.Config.StaleDays(), true, "/review")
	return q.s.render.execute(w, fragReviewRows, t)
}

// ---- bulk actions

// reviewBulkView is a bulk decision's confirmation, or its outcome.
type reviewBulkView struct {
	Page
	Heading string
	// The confirmation: what will be done to whom, and the selection to
	// post again with confirm=yes.
	Confirm  bool
	Question string
	Button   string
	Action   string
	Values   []string
	Selected []reviewBulkRow
	// The outcome: Done is a success only when something was done.
	Done    string
	Nothing bool
	Refused string
	Rows    []reviewRefusal
	Back    string
}

// reviewBulkRow is a selected application as the confirmation lists it.
type reviewBulkRow struct {
	Name, Stage, Link string
}

type reviewRefusal struct {
	Label, Stage, Link, Reason string
}

// reviewDecisions are the bulk actions that change applications: each is
// confirmed before it runs, with the count and the names.
var reviewDecisions = []string{"nominate", application.HostDecisionAccepted, application.HostDecisionWaitlisted, application.HostDecisionRejected}

// bulk runs one of the office's actions on the selected rows: nominate,
// record a host decision, or export them. A decision is first shown for
// confirmation and runs only when posted again with confirm=yes. Each
// application is changed in its own transaction with the version the
// page showed; the answer says how many were changed and why the others
// were not.
func (rv *reviewer) bulk(c echo.Context) error {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	action := c.FormValue("action")
	back := reviewBack(c.FormValue("return_to"))
	form, err := c.FormParams()
	if err != nil {
		return apperr.New(apperr.Invalid, "error.bad_request")
	}
	if len(form["sel"]) == 0 && (slices.Contains(reviewDecisions, action) || action == "csv" || action == "xlsx") {
		// Nothing to act on is not an error: the queue comes back as it
		// was filtered, saying so.
		return c.Redirect(http.StatusSeeOther, reviewNotice(back, "none_selected"))
	}
	items, err := reviewSelection(form["sel"])
	if err != nil {
		return err
	}
	switch action {
	case "csv", "xlsx":
		return rv.export(c, u, items, action, form["col"])
	}
	if !slices.Contains(reviewDecisions, action) {
		f := apperr.Fields{}
		f.Add("action", "form.not_a_choice")
		return reviewBulkError(f.Err())
	}
	if form.Get("confirm") != "yes" {
		return rv.bulkConfirm(c, u, items, action, back, form["sel"])
	}
	var res *application.BulkResult
	if action == "nominate" {
		res, err = rv.Applications.BulkNominate(ctx, u, items, "")
	} else {
		res, err = rv.Applications.BulkHostDecision(ctx, u, items, action, "")
	}
	if err != nil {
		return reviewBulkError(err)
	}
	p := rv.page(c, "review.bulk.title")
	v := reviewBulkView{Page: p, Heading: p.T("review.bulk.title"), Back: back}
	if len(res.Done) > 0 {
		v.Done = p.T("review.bulk.done."+action, len(res.Done))
	} else {
		v.Done, v.Nothing = p.T("review.bulk.none_done."+action), true
	}
	if len(res.Refused) > 0 {
		v.Refused = p.T("review.bulk.refused", len(res.Refused))
		ids := make([]int64, len(res.Refused))
		for i, r := range res.Refused {
			ids[i] = r.ID
		}
		// Who and where they stand now, to say why without opening each.
		rows, err := rv.Applications.Selection(ctx, u, ids)
		if err != nil {
			rows = nil // the reasons still stand without the names
		}
		known := map[int64]application.QueueRow{}
		for _, r := range rows {
			known[r.ID] = r
		}
		for _, r := range res.Refused {
			reason := p.T("error.internal")
			var ae *apperr.Error
			if errors.As(r.Err, &ae) && rv.bundle.Has(ae.Key) {
				reason = p.T(ae.Key, ae.Args...)
			}
			row := reviewRefusal{Label: p.T("review.bulk.refused_row", r.ID), Link: application.Link(r.ID), Reason: reason}
			if q, ok := known[r.ID]; ok {
				row.Label, row.Stage = q.ApplicantName, p.T("application.stage."+string(q.Stage))
			}
			v.Rows = append(v.Rows, row)
		}
	}
	return rv.render.render(c, http.StatusOK, pageReviewBulk, v)
}

// bulkConfirm asks before a bulk decision runs: how many, who, and at
// which stage each stands now. Nothing changes until it is posted back.
func (rv *reviewer) bulkConfirm(c echo.Context, u *user.User, items []application.BulkItem, action, back string, values []string) error {
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	rows, err := rv.Applications.Selection(c.Request().Context(), u, ids)
	if err != nil {
		return reviewBulkError(err)
	}
	p := rv.page(c, "review.bulk.confirm_title")
	v := reviewBulkView{Page: p, Heading: p.T("review.bulk.confirm_title"), Confirm: true, Action: action, Back: back, Values: values,
		Question: p.T("review.bulk.confirm."+action, len(items)),
		Button:   p.T("review.bulk.confirm_button."+action, len(items))}
	for _, r := range rows {
		v.Selected = append(v.Selected, reviewBulkRow{Name: r.ApplicantName, Link: application.Link(r.ID),
			Stage: p.T("application.stage." + string(r.Stage))})
	}
	return rv.render.render(c, http.StatusOK, pageReviewBulk, v)
}

// reviewBack is where a bulk action returns: the queue as it was
// filtered, never another site.
func reviewBack(back string) string {
	u, err := url.Parse(back)
	if err != nil || u.Path != "/review" || u.Host != "" || u.Scheme != "" {
		return "/review"
	}
	q := u.Query()
	q.Del("notice") // the last one's, said already
	if len(q) == 0 {
		return "/review"
	}
	return "/review?" + q.Encode()
}

// reviewNotice is back with a notice for the queue to show.
func reviewNotice(back, notice string) string {
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	return back + sep + "notice=" + notice
}

// reviewBulkError turns bad input on the whole selection (none selected,
// too many, an unknown action) into one message: the form lives on the
// queue page, which the error page links back to.
func reviewBulkError(err error) error {
	for _, m := range apperr.FieldsOf(err) {
		return apperr.New(apperr.Invalid, m.Key, m.Args...)
	}
	return err
}

// reviewSelection reads the selected rows, each "id:version:rank".
func reviewSelection(values []string) ([]application.BulkItem, error) {
	bad := apperr.New(apperr.Invalid, "review.err.selection")
	if len(values) == 0 {
		return nil, apperr.New(apperr.Invalid, "review.err.none_selected")
	}
	if len(values) > application.MaxBulk {
		return nil, apperr.New(apperr.Invalid, "review.err.too_many", application.MaxBulk)
	}
	out := make([]application.BulkItem, 0, len(values))
	for _, v := range values {
		parts := strings.Split(v, ":")
		if len(parts) != 3 {
			return nil, bad
		}
		var n [3]int64
		for i, s := range parts {
			x, err := strconv.ParseInt(s, 10, 64)
			if err != nil || x < 1 || (i > 0 && x > 1<<30) {
				return nil, bad
			}
			n[i] = x
		}
		out = append(out, application.BulkItem{ID: n[0], Version: int(n[1]), Rank: int(n[2])})
	}
	return out, nil
}

// reviewDownload sends an export to be saved, never shown.
func (rv *reviewer) reviewDownload(c echo.Context, err error, name, contentType string, buf *bytes.Buffer) error {
	if err != nil {
		return apperr.Internalf("write queue export: %w", err)
	}
	return importDownload(c, name, contentType, buf.Bytes())
}
