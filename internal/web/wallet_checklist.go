package web

import (
	"github.com/labstack/echo/v4"

	"portal/internal/catalog"
	"portal/internal/document"
	"portal/internal/user"
)

// ---- the requirements checklist

// WalletChecklist is the data of the partial "wallet_checklist": what an
// elective requires of the signed-in person's wallet, and, per period,
// what will have expired by its first day. Every text is translated here.
type WalletChecklist struct {
	Heading     string
	Intro       string
	Items       []WalletChecklistItem
	Periods     []WalletChecklistPeriod
	WalletPath  string
	WalletLabel string
}

// WalletChecklistItem is one required document type.
type WalletChecklistItem struct {
	Label  string
	State  string // ok, missing, expired: a CSS class
	Status string // the state in words
	Detail string
}

// WalletChecklistPeriod is one period and what it lacks.
type WalletChecklistPeriod struct {
	Label    string
	Ready    bool
	Status   string
	Problems []string
}

// walletChecklist builds the checklist of an elective's page for the
// visitor: nil for anyone who is not signed in as a student or incoming
// applicant, and for electives that require no documents. The elective
// page puts it in its view and renders {{template "wallet_checklist" .}}.
func (s *Server) walletChecklist(c echo.Context, p Page, required []string, periods []catalog.Period) (*WalletChecklist, error) {
	return s.walletChecklistFor(c, p, required, periods, "")
}

func (s *Server) walletChecklistFor(c echo.Context, p Page, required []string, periods []catalog.Period, elective string) (*WalletChecklist, error) {
	u := visitorOf(c).User
	if u == nil || !u.Has(user.Student, user.Incoming) || len(required) == 0 {
		return nil, nil
	}
	docs, err := s.Documents.Current(c.Request().Context(), u.ID)
	if err != nil {
		return nil, err
	}
	today := s.walletToday()
	cl := &WalletChecklist{Heading: p.T("wallet.check.title"), Intro: p.T("wallet.check.intro"),
		WalletPath: "/wallet", WalletLabel: p.T("wallet.check.go")}
	if elective != "" {
		// Shown on the wallet page itself: no link to where the reader is.
		cl.Heading, cl.WalletPath = p.T("wallet.check.title_for", elective), ""
	}
	// Today's state of each required type, from the document valid longest.
	now := document.Evaluate(docs, required, catalog.Period{StartsOn: today, EndsOn: today})
	for _, n := range now.Needs {
		it := WalletChecklistItem{Label: p.T("doc." + n.Type), State: "ok", Status: p.T("wallet.check.have")}
		switch {
		case n.Document == nil:
			it.State, it.Status = "missing", p.T("wallet.check.missing")
		case n.Status == document.ExpiredBefore:
			it.State, it.Status = "expired", p.T("wallet.check.expired")
			it.Detail = p.T("wallet.check.expired_on", p.Day(*n.Document.ExpiresOn))
		case n.Document.ExpiresOn != nil:
			it.Detail = p.T("wallet.check.valid_until", p.Day(*n.Document.ExpiresOn))
		}
		cl.Items = append(cl.Items, it)
	}
	for _, per := range periods {
		if per.RetiredAt != nil || per.EndsOn.Before(today) {
			continue
		}
		ev := document.Evaluate(docs, required, per)
		cp := WalletChecklistPeriod{
			Label: p.T("wallet.check.period", p.Day(per.StartsOn), p.Day(per.EndsOn)),
			Ready: ev.Ready(),
		}
		// Missing types are the same for every period and listed above;
		// a period adds only what its dates make expire.
		missing := 0
		for _, n := range ev.Needs {
			switch n.Status {
			case document.Missing:
				missing++
			case document.ExpiredBefore:
				cp.Problems = append(cp.Problems, p.T("wallet.check.problem_expired", p.T("doc."+n.Type), p.Day(*n.Document.ExpiresOn)))
			case document.ExpiresDuring:
				cp.Problems = append(cp.Problems, p.T("wallet.check.problem_during", p.T("doc."+n.Type), p.Day(*n.Document.ExpiresOn)))
			}
		}
		switch {
		case cp.Ready:
			cp.Status = p.T("wallet.check.ready")
		case missing > 0:
			cp.Status = p.T("wallet.check.not_ready_missing", missing)
		default:
			cp.Status = p.T("wallet.check.not_ready")
		}
		cl.Periods = append(cl.Periods, cp)
	}
	return cl, nil
}
