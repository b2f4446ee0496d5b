package wiring

import "portal/internal/departure"

// openDepartures builds the pre-departure checklists (issue 19), which
// read their applications through the outgoing workflow's access rule.
func (a *App) openDepartures() *departure.Service {
	return departure.NewService(a.DB, departure.Options{Zone: a.Zone, Applications: a.Applications})
}
