package web

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
)

// outcome ends every action the same way: done, it redirects to the
// record's page with a flash (POST, redirect, GET: a reload never repeats
// the action); refused with one of the codes the page can explain, it
// shows the page again with the translated refusal and that code's status;
// any other error goes to the error page (errors.go).
type outcome struct {
	flash string // flash.<flash> on success
	to    string // where success goes
	// again renders the page with the refusal, at status.
	again func(status int, err error) error
	// shown are the codes again explains; others are the error page's.
	shown []apperr.Code
}

func (s *Server) finish(c echo.Context, err error, o outcome) error {
	if err == nil {
		return s.done(c, o.flash, o.to)
	}
	if code := apperr.CodeOf(err); slices.Contains(o.shown, code) {
		return o.again(statusOf[code], err)
	}
	return err
}

// done ends a successful change: a flash for the next page, and a
// redirect so that reloading it does not post again.
func (s *Server) done(c echo.Context, flash, to string) error {
	s.setFlash(c, flash)
	return c.Redirect(http.StatusSeeOther, to)
}
