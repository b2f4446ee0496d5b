package wiring

import (
	"portal/internal/api"
	"portal/internal/ewp"
	"portal/internal/web"
)

// partnerAPI builds the EWP documents and the JSON API's tokens (issue 15).
func (a *App) partnerAPI(deps *web.Deps) {
	deps.EWP = ewp.NewService(a.DB, ewp.Options{})
	deps.API = api.NewService(a.DB, a.Users, api.Options{})
}
