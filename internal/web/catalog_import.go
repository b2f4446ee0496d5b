package web

import "github.com/labstack/echo/v4"

// catalogImportRoutes are where the office imports electives and periods
// from CSV or XLSX, previewing every row before anything is written, and
// exports the catalog back.
func (s *Server) catalogImportRoutes(g *echo.Group) {
}
