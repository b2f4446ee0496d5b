package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/application"
)

// Moving through the queue one application at a time: a row of the queue
// opens its application with the queue it came from (?queue=/review?...),
// the application page then offers the previous and the next of that
// queue, and a decision taken there lands on the next one, so that a
// reviewer with 300 applications never goes back to the list between two.

// reviewQueueNav is the application page's way along its queue.
type reviewQueueNav struct {
	Label, Back, BackLabel, Prev, PrevLabel, Next, NextLabel string
}

// reviewQueueOf is the queue an application page was opened from, as the
// queue's own address, or "" when it was not (or the value is not one).
func reviewQueueOf(v string) string {
	if v == "" || !strings.HasPrefix(v, "/review") {
		return ""
	}
	return reviewBack(v)
}

// reviewQueueLink is application id's page within the queue at queue.
func reviewQueueLink(id int64, queue string) string {
	return application.Link(id) + "?queue=" + url.QueryEscape(queue)
}

// reviewNextPath is where the one after (or before) id in queue is found.
func reviewNextPath(id int64, queue string, prev bool) string {
	p := "/review/next/" + strconv.FormatInt(id, 10) + strings.TrimPrefix(queue, "/review")
	if prev {
		if strings.Contains(p, "?") {
			return p + "&dir=prev"
		}
		return p + "?dir=prev"
	}
	return p
}

// reviewQueueNavOf is the way along queue from application id, nil
// without a queue.
func reviewQueueNavOf(p Page, id int64, queue string) *reviewQueueNav {
	if queue == "" {
		return nil
	}
	return &reviewQueueNav{Label: p.T("review.nav.label"), Back: queue, BackLabel: p.T("review.nav.back"),
		Prev: reviewNextPath(id, queue, true), PrevLabel: p.T("review.nav.prev"),
		Next: reviewNextPath(id, queue, false), NextLabel: p.T("review.nav.next")}
}

// next sends the reader to the application after (dir=prev: before) the
// one given, in the queue its filters describe; after a decision the one
// decided has usually left the queue, and the first one waiting is next.
// At the end, the queue itself says there is nothing more.
func (rv *reviewer) next(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	q := c.QueryParams()
	_, f, bad := reviewParams(q)
	if len(bad) > 0 {
		return c.Redirect(http.StatusSeeOther, "/review")
	}
	f.After, f.Limit = "", 500
	qp, err := rv.Applications.Queue(c.Request().Context(), visitorOf(c).User, f)
	if apperr.FieldsOf(err) != nil {
		return c.Redirect(http.StatusSeeOther, "/review")
	} else if err != nil {
		return err
	}
	queue := reviewLink(qp.Filter, "")
	i := slices.IndexFunc(qp.Rows, func(r application.QueueRow) bool { return r.ID == id })
	target := -1
	switch {
	case q.Get("dir") == "prev":
		target = i - 1 // none when first or gone
	case i >= 0:
		target = i + 1
	default:
		target = 0
	}
	if target < 0 || target >= len(qp.Rows) {
		return c.Redirect(http.StatusSeeOther, reviewNotice(queue, "queue_end"))
	}
	return c.Redirect(http.StatusSeeOther, reviewQueueLink(qp.Rows[target].ID, queue))
}

// reviewDecisionsFold shows a reviewer's decisions (approve, return,
// reject, ...) folded, one open at a time (<details name>, no script),
// rather than a textarea for each at once; a refused one comes back open
// with what was typed.
func reviewDecisionsFold(v *applicationView, at *applicationAttempt) {
	if !v.IsReviewer || len(v.Forms) < 2 {
		return
	}
	v.OneAtATime = true
	for i := range v.Forms {
		v.Forms[i].Open = at != nil && at.action == v.Forms[i].Action
	}
}
