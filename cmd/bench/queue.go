package main

import (
	"io"

	portal "portal"
	"portal/internal/application"
	"portal/internal/bench"
	"portal/internal/config"
	"portal/internal/i18n"
	"portal/internal/web"
)

// queueRenderer returns the review queue's row template as the portal
// renders it for an office user in English.
func queueRenderer() (bench.RenderRows, error) {
	bundle, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	s, err := web.New(web.Deps{Config: config.Defaults(config.ModeServe), I18n: bundle, Templates: portal.Templates, Static: portal.Static})
	if err != nil {
		return nil, err
	}
	rows := s.QueueRows()
	return func(w io.Writer, rs []application.QueueRow) error { return rows.Render(w, i18n.English, rs) }, nil
}
