package web

import (
	"github.com/labstack/echo/v4"

	"portal/internal/api"
)

// apiDisclose writes in each applicant's disclosure log that the API
// client read their applications ids (issue 18): the entry names the
// token's owner and the token, and says what was read.
func (s *Server) apiDisclose(c echo.Context, what string, ids ...int64) error {
	if s.Privacy == nil {
		return nil
	}
	name := ""
	if t, ok := c.Get(ctxToken).(*api.Token); ok {
		name = t.Name
	}
	return s.Privacy.APIRead(c.Request().Context(), visitorOf(c).User, name, what, ids)
}
