package web

import "github.com/labstack/echo/v4"

// walletRoutes are the document wallet's pages and downloads.
func (s *Server) walletRoutes(g *echo.Group) {
}
