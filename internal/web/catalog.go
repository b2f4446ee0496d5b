package web

import "github.com/labstack/echo/v4"

// catalogRoutes are the pages where students browse electives abroad.
func (s *Server) catalogRoutes(g *echo.Group) {
}
