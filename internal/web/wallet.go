package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/document"
	"portal/internal/i18n"
	"portal/internal/privacy"
)

const (
	walletUploadPath  = "/wallet/upload"
	walletReplacePath = "/documents/:id/replace"
	// uploadOverhead is what a body may carry besides the file: the form's
	// few fields and the multipart framing.
	uploadOverhead = 64 << 10
	// uploadMaxParts bounds the parts of an upload: the form has four
	// (_csrf, type, expires_on, file). A body of thousands of parts is
	// refused at the first one too many.
	uploadMaxParts = 8
	// uploadMaxField bounds a text field of the upload form.
	uploadMaxField = 1024
	// walletOpenings is how many openings by others the wallet lists.
	walletOpenings = 50
)

// prepareUpload runs, on the upload routes only, before the CSRF
// middleware. It replaces the 1 MB form limit with the upload limit, and
// keeps anything before the handler from parsing the multipart body (which
// would read the whole file into memory before the handler could stream
// it): the CSRF check reads only the form's first part, _csrf
// (multipartToken), or the X-CSRF-Token header.
func (s *Server) prepareUpload(c echo.Context) {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response().Writer, r.Body, s.Documents.MaxBytes()+uploadOverhead)
	r.Form, r.PostForm = url.Values{}, url.Values{}
}

// ---- the wallet page

type walletView struct {
	Page
	Upload    walletForm
	Groups    []walletGroup
	Empty     []string // types with no document yet
	Openings  []walletOpening
	Summary   *walletSummary // what went wrong with the last submission
	Checklist *WalletChecklist
}

// walletForm is the upload form, or a document's replace form.
type walletForm struct {
	Action   string
	CSRF     string
	MaxBytes int64
	TooLarge string // said by wallet.js when a chosen file is over the limit
	Choose   string // the empty choice of the type select
	Type     walletField
	Expires  walletField
	File     walletField
	Button   string
	Open     bool // a replace form that failed is shown open
	Types    []walletTypeChoice
	Health   *walletHealth  // the health notice, until acknowledged (upload form only)
	Consent  *walletConsent // who may open a health document (upload form only)
}

// walletField is one input with its label, hint and message: the same
// field the management forms use, so that ids and aria-describedby are
// computed in one place.
type walletField = field

type walletTypeChoice struct {
	Value, Label string
	Selected     bool
}

type walletGroup struct {
	ID, Label string
	Docs      []walletDoc
}

type walletDoc struct {
	ID           int64
	FileName     string
	Facts        string // "PDF · 1.2 MB · uploaded 2026-03-10 · version 2"
	Expires      string // "" when the type or the document has no expiry date
	Status       string // valid, expiring, expired
	StatusLabel  string
	Download     string
	DownloadName string // accessible name of the download link
	Attached     string // "Attached to application #7"
	Older        []walletVersion
	Replace      walletForm
	Delete       string // the delete form's action
	DeleteLabel  string
}

type walletVersion struct {
	Label, Download, DownloadName string
}

type walletOpening struct {
	At, Who, Roles, Document string
}

// walletSummary is the box at the top of the page after a refused
// submission: a heading, a message, and the field messages as links.
type walletSummary struct {
	Heading, Message string
	Items            []walletSummaryItem
}

type walletSummaryItem struct {
	Href, Text string
}

// walletAttempt is a refused submission to show again: which form, what
// was typed, and what was wrong.
type walletAttempt struct {
	form      string // "upload", "replace" or "delete"
	replaceID int64  // the document of a replace or delete
	in        document.Input
	consents  []privacy.Recipient // ticked on a refused upload, ticked again
	err       error
}

// wallet is the owner's page: upload form, documents by type with their
// status, replace and delete, and who else opened them.
func (s *Server) wallet(c echo.Context) error {
	return s.walletPage(c, http.StatusOK, nil)
}

func (s *Server) walletPage(c echo.Context, status int, at *walletAttempt) error {
	ctx := c.Request().Context()
	u := visitorOf(c).User
	v := walletView{Page: s.page(c, "wallet.title")}
	entries, err := s.Documents.Wallet(ctx, u.ID)
	if err != nil {
		return err
	}
	today := s.walletToday()
	var fields apperr.Fields
	if at != nil {
		fields = apperr.FieldsOf(at.err)
	}
	v.Upload = s.walletUploadForm(v.Page, at)
	if v.Upload.Health, err = s.walletHealthNotice(ctx, v.Page, u.ID); err != nil {
		return err
	}
	have := map[string]bool{}
	for _, e := range entries {
		have[e.Type] = true
		if n := len(v.Groups); n == 0 || v.Groups[n-1].ID != "type-"+e.Type {
			v.Groups = append(v.Groups, walletGroup{ID: "type-" + e.Type, Label: v.T("doc." + e.Type)})
		}
		g := &v.Groups[len(v.Groups)-1]
		var mine *walletAttempt
		if at != nil && at.form == "replace" && at.replaceID == e.ID {
			mine = at
		}
		g.Docs = append(g.Docs, s.walletDocOf(v.Page, e, today, mine))
	}
	for _, t := range document.Types() {
		if !have[t] {
			v.Empty = append(v.Empty, v.T("doc."+t))
		}
	}
	openings, err := s.Documents.Openings(ctx, u.ID, walletOpenings)
	if err != nil {
		return err
	}
	for _, o := range openings {
		who := o.ActorName
		if o.ActorEmail != "" {
			who += " (" + o.ActorEmail + ")"
		}
		roles := make([]string, len(o.Roles))
		for i, r := range o.Roles {
			roles[i] = roleLabel(s.bundle, v.Lang, r)
		}
		v.Openings = append(v.Openings, walletOpening{
			At: v.When(o.At), Who: who, Roles: strings.Join(roles, v.T("wallet.list_sep")),
			Document: v.T("wallet.opened.document", v.T("doc."+o.Type), o.FileName, o.Version),
		})
	}
	if at != nil {
		v.Summary = walletSummaryOf(v.Page, at, fields)
	}
	if id, err := strconv.ParseInt(c.QueryParam("elective"), 10, 64); err == nil && id > 0 {
		if d, err := s.Catalog.ElectiveDetail(ctx, id); err == nil {
			if v.Checklist, err = s.walletChecklistFor(c, v.Page, d.Elective.RequiredDocList(), d.Periods, walletTitle(v.Page, d.Elective.TitleEN, d.Elective.TitleZH)); err != nil {
				return err
			}
		}
	}
	return s.render.render(c, status, pageWallet, v)
}

// walletTitle is an elective's title in the page's language.
func walletTitle(p Page, en, zh string) string {
	if p.Lang == i18n.TraditionalChinese && zh != "" {
		return zh
	}
	return en
}

// walletToday is the calendar day by the catalog's clock, in UTC as every
// date of the catalog and the wallet.
func (s *Server) walletToday() time.Time { return s.Catalog.Today() }

func (s *Server) walletUploadForm(p Page, at *walletAttempt) walletForm {
	f := walletForm{
		Action: walletUploadPath,
		CSRF:   p.CSRF, MaxBytes: s.Documents.MaxBytes(), Choose: p.T("wallet.field.choose"),
		TooLarge: p.T("wallet.err.too_large", document.SizeLabel(s.Documents.MaxBytes())),
		Button:   p.T("wallet.upload.button"),
		Type:     walletField{ID: "wallet-type", Name: "type", Label: p.T("wallet.field.type"), Required: true},
		Expires: walletField{ID: "wallet-expires", Name: "expires_on", Label: p.T("wallet.field.expires"),
			Hint: p.T("wallet.field.expires_hint", walletExpiryTypes(p, true), walletExpiryTypes(p, false))},
		File: walletField{ID: "wallet-file", Name: "file", Label: p.T("wallet.field.file"),
			Hint: p.T("wallet.field.file_hint", document.SizeLabel(s.Documents.MaxBytes())), Required: true},
	}
	if at != nil && at.form == "upload" {
		f.Type.Value, f.Expires.Value = at.in.Type, at.in.ExpiresOn
		walletFillErrors(p, apperr.FieldsOf(at.err), &f.Type, &f.Expires, &f.File)
	}
	f.Consent = s.walletConsentOf(p, at)
	for _, t := range document.Types() {
		f.Types = append(f.Types, walletTypeChoice{Value: t, Label: p.T("doc." + t), Selected: t == f.Type.Value})
	}
	return f
}

// walletExpiryTypes names the types whose expiry date is required (or optional).
func walletExpiryTypes(p Page, required bool) string {
	var names []string
	for _, t := range document.Types() {
		if document.HasExpiry(t) && document.ExpiryRequired(t) == required {
			names = append(names, p.T("doc."+t))
		}
	}
	return strings.Join(names, p.T("wallet.list_sep"))
}

func walletFillErrors(p Page, f apperr.Fields, fields ...*walletField) {
	for _, fl := range fields {
		if m, ok := f[fl.Name]; ok {
			fl.Error = p.T(m.Key, m.Args...)
		}
	}
}

func (s *Server) walletDocOf(p Page, e document.Entry, today time.Time, at *walletAttempt) walletDoc {
	id := strconv.FormatInt(e.ID, 10)
	d := walletDoc{
		ID: e.ID, FileName: e.FileName, Download: "/documents/" + id + "/download",
		DownloadName: p.T("wallet.doc.download_name", e.FileName),
		Delete:       "/documents/" + id + "/delete", DeleteLabel: p.T("wallet.doc.delete_button", e.FileName),
	}
	facts := []string{document.FormatLabel(e.MediaType), p.Size(e.Size), p.T("wallet.doc.uploaded", p.Date(e.UploadedAt))}
	if e.Version > 1 {
		facts = append(facts, p.T("wallet.doc.version", e.Version))
	}
	d.Facts = strings.Join(facts, " · ")
	st := e.StatusOn(today)
	d.Status = string(st)
	if e.ExpiresOn != nil {
		d.Expires = p.Day(*e.ExpiresOn)
		d.StatusLabel = p.T("wallet.status." + string(st))
	} else if document.HasExpiry(e.Type) {
		d.StatusLabel = p.T("wallet.status.no_expiry")
	}
	if len(e.AttachedTo) > 0 {
		d.Attached = p.T("wallet.doc.attached", document.ApplicationList(e.AttachedTo))
	}
	for _, o := range e.Older {
		oid := strconv.FormatInt(o.ID, 10)
		d.Older = append(d.Older, walletVersion{
			Label:        p.T("wallet.doc.older", o.Version, p.Date(o.UploadedAt)),
			Download:     "/documents/" + oid + "/download",
			DownloadName: p.T("wallet.doc.download_version", o.Version, o.FileName),
		})
	}
	r := walletForm{
		Action: "/documents/" + id + "/replace",
		CSRF:   p.CSRF, MaxBytes: s.Documents.MaxBytes(),
		TooLarge: p.T("wallet.err.too_large", document.SizeLabel(s.Documents.MaxBytes())),
		Button:   p.T("wallet.replace.button"),
		File: walletField{ID: "replace-" + id + "-file", Name: "file", Label: p.T("wallet.field.new_file"),
			Hint: p.T("wallet.field.file_hint", document.SizeLabel(s.Documents.MaxBytes())), Required: true},
	}
	if document.HasExpiry(e.Type) {
		r.Expires = walletField{ID: "replace-" + id + "-expires", Name: "expires_on", Label: p.T("wallet.field.new_expires"),
			Required: document.ExpiryRequired(e.Type)}
		if e.ExpiresOn != nil {
			r.Expires.Value = e.ExpiresOn.Format("2006-01-02")
		}
	}
	if at != nil {
		r.Open = true
		if r.Expires.ID != "" {
			r.Expires.Value = at.in.ExpiresOn
		}
		walletFillErrors(p, apperr.FieldsOf(at.err), &r.Expires, &r.File)
	}
	d.Replace = r
	return d
}

// walletSummaryOf writes the box that says what went wrong: field messages
// link to their inputs; a refusal of the whole request is the message.
func walletSummaryOf(p Page, at *walletAttempt, fields apperr.Fields) *walletSummary {
	sum := &walletSummary{Heading: p.T("wallet.summary.title")}
	if at.form == "delete" {
		sum.Heading = p.T("wallet.summary.title_delete")
	}
	var ae *apperr.Error
	if !errors.As(at.err, &ae) {
		ae = apperr.Internalf("%v", at.err)
	}
	if len(fields) == 0 {
		sum.Message = p.T(ae.Key, ae.Args...)
		return sum
	}
	sum.Message = p.T("wallet.summary.nothing_saved")
	prefix := "wallet-"
	if at.form == "replace" {
		prefix = "replace-" + strconv.FormatInt(at.replaceID, 10) + "-"
	}
	for _, name := range []string{"type", "expires_on", "file"} {
		m, ok := fields[name]
		if !ok {
			continue
		}
		id := prefix + strings.TrimSuffix(name, "_on")
		sum.Items = append(sum.Items, walletSummaryItem{Href: "#" + id, Text: p.T(m.Key, m.Args...)})
	}
	if len(sum.Items) == 0 {
		sum.Message = p.T(ae.Key, ae.Args...)
	}
	return sum
}
