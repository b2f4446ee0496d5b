package web

import "github.com/labstack/echo/v4"

// catalogAdminRoutes are where the office and admins keep the catalog:
// institutions, agreements, electives, periods, departments, funding.
func (s *Server) catalogAdminRoutes(g *echo.Group) {
}
