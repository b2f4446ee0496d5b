package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/user"
)

// retryAfter is the Retry-After of every 503, in seconds: long enough for
// a lock to be released or a connection to come back, short enough that a
// person pressing reload is not sent away for long.
const retryAfter = "5"

// statusOf maps each error code to one HTTP status, here and nowhere else.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:      http.StatusUnprocessableEntity,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.Unavailable:  http.StatusServiceUnavailable,
	apperr.Internal:     http.StatusInternalServerError,
}

type errorView struct {
	Page
	Status  int
	Heading string
	Message string
	Retry   string // a link to try again, when there is one
}

// handleError is Echo's one error handler: it turns any error into a
// translated page with the right status, and logs what the user must not see.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away (closed tab, proxy timeout): nobody reads
		// an answer, and it is not our failure.
		slog.Debug("client gone", "path", c.Request().URL.Path)
		c.Response().WriteHeader(499)
		return
	}
	status, key := http.StatusInternalServerError, "error.internal"
	var args []any
	var ae *apperr.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
		status, key, args = statusOf[ae.Code], ae.Key, ae.Args
	case errors.As(err, &he):
		status = he.Code
		key = map[int]string{
			http.StatusNotFound:              "error.not_found",
			http.StatusMethodNotAllowed:      "error.method",
			http.StatusForbidden:             "error.forbidden",
			http.StatusUnauthorized:          "error.unauthorized",
			http.StatusRequestEntityTooLarge: "error.too_large",
			http.StatusBadRequest:            "error.bad_request",
			http.StatusTooManyRequests:       "error.too_many",
		}[he.Code]
		if key == "" {
			key = "error.internal"
		}
	}
	if status == http.StatusInternalServerError && db.Unavailable(err) {
		// The database did not answer in time (a lock held too long, a
		// statement or connection timeout, a lost connection): nothing is
		// wrong with the request, and the same request may work in a moment.
		status, key, args = http.StatusServiceUnavailable, "error.db_busy", nil
	}
	if status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", retryAfter)
	}
	log := slog.Default().With("request_id", c.Response().Header().Get(echo.HeaderXRequestID), "status", status)
	if status >= 500 {
		log.Error("request failed", "err", err, "path", c.Request().URL.Path)
	} else {
		log.Info("request refused", "err", err, "path", c.Request().URL.Path)
	}
	if !s.bundle.Has(key) {
		key, args = "error.internal", nil
	}
	p := s.page(c, "error.title")
	if key == "error.forbidden" {
		key, args = s.forbiddenHelp(visitorOf(c).User)
	}
	v := errorView{Page: p, Status: status, Heading: p.T("error.heading." + headingOf(status)), Message: p.T(key, args...)}
	if status == http.StatusUnauthorized {
		v.Retry = "/login"
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if rerr := s.render.render(c, status, "error", v); rerr != nil {
		log.Error("render error page", "err", rerr)
		_ = c.String(status, http.StatusText(status))
	}
}

// forbiddenHelp is what a refusal tells u to do: roles are granted by
// admins, so the international office (and an admin) is sent to an admin;
// everybody else to the office, with its address when one is configured.
func (s *Server) forbiddenHelp(u *user.User) (string, []any) {
	switch {
	case u != nil && u.Has(user.Office, user.Admin):
		return "error.forbidden.ask_admin", nil
	case s.Config.OfficeContact != "":
		return "error.forbidden.ask_office_at", []any{s.Config.OfficeContact}
	}
	return "error.forbidden.ask_office", nil
}

func headingOf(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not_found"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusConflict:
		return "conflict"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "invalid"
}
