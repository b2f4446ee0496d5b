package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/host"
)

// The application page's reach into the services merged beside it: the
// office's home-school verification, dossier links and EWP download; the
// student's choice of what each host may see, and the report once the
// placement is over. The services decide; this only shows their forms.

func (s *Server) uiLinksRoutes(r router) {
	if s.Host == nil {
		return
	}
	r.post("/applications/:id/host/share", students, s.hostShare)
}

type uiLinksView struct {
	Path, CSRF string
	Verify     *uiVerify
	Links      []uiLinkRow
	CanRevoke  bool
	EWP        string // the EWP download for this nomination, and its label
	EWPLabel   string
	EWPNote    string // why there is none yet for a nomination
	Share      *uiShare
	Report     *uiReport
	HostEval   *uiHostEval // the office's: the host supervisor's evaluation (hosteval.go)
}

type uiVerify struct {
	GoodStanding, Immunization bool
	Done                       string // when and by whom it was recorded, "" while never
}

type uiLinkRow struct{ Sent, To, State string }

type uiShare struct {
	NameLatin, NameNative string
	Open                  bool
	Hosts                 []uiShareHost
	Empty                 bool // no wallet documents to share
}

type uiShareHost struct {
	Name string
	Docs []uiShareDoc
}

type uiShareDoc struct {
	Value, Label string
	Checked      bool
}

type uiReport struct{ Path, State string }

// uiLinksOf is the part of application d's page for these services; at
// is a refused share shown again with what was typed.
func (s *Server) uiLinksOf(c echo.Context, p Page, d *application.Detail, mine bool, at *applicationAttempt) (*uiLinksView, error) {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	base := "/applications/" + strconv.FormatInt(d.ID, 10)
	v := &uiLinksView{Path: base, CSRF: p.CSRF}
	shown := false
	if !mine && u.Has(application.PartyRoles[application.Office]...) {
		if s.Host != nil && d.Status != application.Draft {
			ver, err := s.Host.VerificationOf(ctx, u, d.ID)
			if err != nil {
				return nil, err
			}
			v.Verify = &uiVerify{}
			if ver != nil {
				v.Verify = &uiVerify{GoodStanding: ver.GoodStanding, Immunization: ver.Immunization, Done: p.T("ui_links.verify.done", p.When(ver.VerifiedAt))}
			}
			links, err := s.Host.Links(ctx, u, d.ID)
			if err != nil {
				return nil, err
			}
			now := s.Applications.Now()
			for _, l := range links {
				row := uiLinkRow{Sent: p.When(l.CreatedAt), To: strings.TrimSpace(l.ContactName + " <" + l.Email + ">")}
				switch {
				case l.UsedAt != nil:
					row.State = p.T("ui_links.link.used", p.When(*l.UsedAt))
				case l.RevokedAt != nil:
					row.State = p.T("ui_links.link.revoked", p.When(*l.RevokedAt))
				case !now.Before(l.ExpiresAt):
					row.State = p.T("ui_links.link.expired", p.When(l.ExpiresAt))
				default:
					row.State = p.T("ui_links.link.open", p.When(l.ExpiresAt))
					v.CanRevoke = true
				}
				v.Links = append(v.Links, row)
			}
			shown = true
		}
		if s.EWP != nil && d.Direction == "outgoing" {
			// The download that answers: XML for what EWP carries, JSON for a
			// clinical traineeship it cannot express.
			switch ex, err := s.EWP.Mobilities(ctx, u, d.ID); {
			case err == nil && len(ex.Studies) > 0:
				v.EWP, v.EWPLabel, shown = base+"/ewp.xml", p.T("ui_links.ewp.xml"), true
			case err == nil && len(ex.Traineeships) > 0:
				v.EWP, v.EWPLabel, shown = base+"/ewp.json", p.T("ui_links.ewp.json"), true
			case apperr.CodeOf(err) == apperr.Invalid:
				// Nominated but not yet expressible (no student facts, a host
				// without its SCHAC code): say why rather than hide it.
				var ae *apperr.Error
				if errors.As(err, &ae) && ae.Key != "api.ewp.not_nominated" {
					v.EWPNote, shown = p.T("ui_links.ewp.unavailable", p.T(ae.Key, ae.Args...)), true
				}
			case err != nil && apperr.CodeOf(err) != apperr.NotFound && apperr.CodeOf(err) != apperr.Forbidden:
				return nil, err
			}
		}
	}
	if !mine && s.Evaluations != nil && (d.Status == application.Confirmed || d.Status == application.Completed) && u.Has(application.PartyRoles[application.Office]...) {
		he, err := s.uiHostEvalOf(c, p, d.ID)
		if err != nil {
			return nil, err
		}
		v.HostEval, shown = he, shown || he != nil
	}
	if mine && s.Host != nil && d.Direction == "outgoing" {
		sh, err := s.uiShareOf(c, p, d, at)
		if err != nil {
			return nil, err
		}
		v.Share, shown = sh, shown || sh != nil
	}
	if mine && s.Evaluations != nil && (d.Status == application.Confirmed || d.Status == application.Completed) {
		r, _, err := s.Evaluations.ReportOf(ctx, u, d.ID)
		switch {
		case err == nil:
			v.Report = &uiReport{Path: base + "/report", State: p.T("ui_links.report.draft")}
			if r.SubmittedAt != nil {
				v.Report.State = p.T("ui_links.report.submitted", p.When(*r.SubmittedAt))
			}
			shown = true
		case apperr.CodeOf(err) == apperr.Internal:
			return nil, err
		}
	}
	if !shown {
		return nil, nil
	}
	return v, nil
}

// uiShareOf is the student's sharing form while the dossier is not sent,
// and what is shared afterwards.
func (s *Server) uiShareOf(c echo.Context, p Page, d *application.Detail, at *applicationAttempt) (*uiShare, error) {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	sh, err := s.Host.SharingOf(ctx, u, d.ID)
	if err != nil {
		return nil, err
	}
	if len(sh.Institutions) == 0 {
		return nil, nil
	}
	wallet, err := s.Documents.Current(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := &uiShare{Open: sh.Open, Empty: len(wallet) == 0}
	if sh.Profile != nil {
		out.NameLatin, out.NameNative = sh.Profile.NameLatin, sh.Profile.NameNative
	} else {
		out.NameLatin = u.Name
	}
	var typed []string
	if at != nil && at.action == "host_share" {
		out.NameLatin, out.NameNative, typed = at.form.Get("name_latin"), at.form.Get("name_native"), at.form["share"]
	}
	for _, inst := range sh.Institutions {
		h := uiShareHost{Name: inst.NameEN}
		for _, doc := range wallet {
			val := strconv.FormatInt(inst.ID, 10) + ":" + strconv.FormatInt(doc.ChainID, 10)
			checked := slices.Contains(sh.Chains[inst.ID], doc.ChainID)
			if typed != nil || (at != nil && at.action == "host_share") {
				checked = slices.Contains(typed, val)
			}
			if !sh.Open && !checked {
				continue // after nomination: only what is shared
			}
			h.Docs = append(h.Docs, uiShareDoc{Value: val, Label: p.T("doc."+doc.Type) + ": " + doc.FileName, Checked: checked})
		}
		out.Hosts = append(out.Hosts, h)
	}
	return out, nil
}

// hostShare records the student's choice of what each host may see; a
// refused choice comes back on the page as typed.
func (s *Server) hostShare(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return apperr.New(apperr.Invalid, "form.invalid")
	}
	in := host.ShareInput{NameLatin: form.Get("name_latin"), NameNative: form.Get("name_native"), Chains: map[int64][]int64{}}
	for _, pair := range form["share"] {
		a, b, ok := strings.Cut(pair, ":")
		inst, err1 := strconv.ParseInt(a, 10, 64)
		chain, err2 := strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return apperr.New(apperr.Invalid, "form.invalid")
		}
		in.Chains[inst] = append(in.Chains[inst], chain)
	}
	err = s.Host.Share(c.Request().Context(), visitorOf(c).User, id, in, meta(c))
	if invalid(err) {
		return s.applicationPage(c, http.StatusUnprocessableEntity, id, &applicationAttempt{action: "host_share", form: form, err: err})
	} else if err != nil {
		return err
	}
	return s.done(c, "ui_links_shared", "/applications/"+strconv.FormatInt(id, 10)+"#host-share")
}
