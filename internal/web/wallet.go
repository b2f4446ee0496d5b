package web

import (
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/document"
	"portal/internal/i18n"
	"portal/internal/user"
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

// walletRoutes are the document wallet's pages and downloads.
func (s *Server) walletRoutes(g *echo.Group) {
	g.GET("/wallet", s.wallet, RequireSignIn)
	g.POST(walletUploadPath, s.walletUpload, RequireSignIn)
	g.POST(walletReplacePath, s.walletReplace, RequireSignIn)
	g.POST("/documents/:id/delete", s.walletDelete, RequireSignIn)
	g.GET("/documents/:id/download", s.documentDownload, RequireSignIn)
}

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
			At: o.At.Local().Format("2006-01-02 15:04"), Who: who, Roles: strings.Join(roles, v.T("wallet.list_sep")),
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
	return s.render.render(c, status, "wallet", v)
}

// walletTitle is an elective's title in the page's language.
func walletTitle(p Page, en, zh string) string {
	if p.Lang == i18n.TraditionalChinese && zh != "" {
		return zh
	}
	return en
}

// walletToday is the calendar day, in UTC as every date of the catalog and
// the wallet.
func (s *Server) walletToday() time.Time { return catalog.Day(time.Now()) }

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
	facts := []string{document.FormatLabel(e.MediaType), document.SizeLabel(e.Size), p.T("wallet.doc.uploaded", e.UploadedAt.Local().Format("2006-01-02"))}
	if e.Version > 1 {
		facts = append(facts, p.T("wallet.doc.version", e.Version))
	}
	d.Facts = strings.Join(facts, " · ")
	st := e.StatusOn(today)
	d.Status = string(st)
	if e.ExpiresOn != nil {
		d.Expires = e.ExpiresOn.Format("2006-01-02")
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
			Label:        p.T("wallet.doc.older", o.Version, o.UploadedAt.Local().Format("2006-01-02")),
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

// ---- upload, replace, delete

// walletPost is what an upload form sent: its fields and the received file.
type walletPost struct {
	in  document.Input
	rec *document.Received
}

// walletReadUpload reads a multipart upload part by part, never as a whole: the
// file part streams through the wallet's checks into the storage while it
// arrives. It stops at the first part too many, and at the first byte over
// the size limit. Whatever it returns with an error has nothing stored.
func (s *Server) walletReadUpload(c echo.Context) (walletPost, error) {
	var up walletPost
	r := c.Request()
	ctx := r.Context()
	if r.ContentLength > s.Documents.MaxBytes()+uploadOverhead {
		return up, s.walletTooLarge()
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return up, apperr.Wrap(apperr.Invalid, err, "wallet.err.not_multipart")
	}
	fail := func(err error) (walletPost, error) {
		s.Documents.Discard(ctx, up.rec)
		return walletPost{in: up.in}, err
	}
	var fileErr error
	files := 0
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(s.walletBodyError(err))
		}
		if parts == uploadMaxParts {
			return fail(apperr.New(apperr.Invalid, "wallet.err.too_many_parts"))
		}
		if p.FormName() == "file" {
			if files++; files > 1 {
				return fail(apperr.New(apperr.Invalid, "wallet.err.one_file"))
			}
			name, ok := walletRawName(p)
			if !ok {
				return fail(walletFileErr("wallet.err.name_chars"))
			}
			up.rec, fileErr = s.Documents.Receive(ctx, document.File{Name: name, DeclaredType: p.Header.Get(echo.HeaderContentType), Body: p})
			if errors.Is(fileErr, document.ErrTooLarge) {
				return fail(fileErr)
			}
			continue
		}
		value, err := io.ReadAll(io.LimitReader(p, uploadMaxField+1))
		if err != nil {
			return fail(s.walletBodyError(err))
		}
		if len(value) > uploadMaxField {
			return fail(apperr.New(apperr.Invalid, "wallet.err.field_too_long"))
		}
		switch p.FormName() {
		case "type":
			up.in.Type = string(value)
		case "expires_on":
			up.in.ExpiresOn = string(value)
		}
	}
	if files == 0 {
		fileErr = walletFileErr("wallet.err.empty")
	}
	if fileErr != nil {
		return fail(fileErr)
	}
	return up, nil
}

// walletRawName is the file name exactly as the client sent it, or ok
// false when the part's header cannot be read. Part.FileName strips folders
// silently; the wallet refuses names that carry them.
func walletRawName(p *multipart.Part) (name string, ok bool) {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return "", false
	}
	return params["filename"], true
}

// walletFileErr is a refusal of the file, shown next to its input.
func walletFileErr(key string, args ...any) *apperr.Error {
	return &apperr.Error{Code: apperr.Invalid, Key: "form.invalid", Fields: apperr.Fields{"file": {Key: key, Args: args}}}
}

func (s *Server) walletTooLarge() error {
	e := walletFileErr("wallet.err.too_large", document.SizeLabel(s.Documents.MaxBytes()))
	e.Err = document.ErrTooLarge
	return e
}

// walletBodyError codes a body that could not be read as a multipart form.
func (s *Server) walletBodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return s.walletTooLarge()
	}
	return apperr.Wrap(apperr.Invalid, err, "wallet.err.not_multipart")
}

// walletRefused shows the wallet again with what was wrong. A body refused
// for its content is read to its end first (it is no larger than the
// limit), so that the browser, still sending, gets to see the answer; one
// refused for its size or its number of parts is not read further.
func (s *Server) walletRefused(c echo.Context, at *walletAttempt) error {
	if apperr.CodeOf(at.err) != apperr.Invalid {
		return at.err
	}
	status := http.StatusUnprocessableEntity
	var ae *apperr.Error
	switch {
	case errors.Is(at.err, document.ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.As(at.err, &ae) && ae.Key == "wallet.err.too_many_parts":
	default:
		_, _ = io.Copy(io.Discard, c.Request().Body)
	}
	if at.form == "upload" {
		// Say everything that is wrong at once: the form's fields too.
		f := apperr.FieldsOf(at.err)
		if f != nil {
			for k, m := range apperr.FieldsOf(s.Documents.Check(at.in)) {
				f.Add(k, m.Key, m.Args...)
			}
		}
	}
	return s.walletPage(c, status, at)
}

// walletUpload adds a document to the signed-in person's wallet.
func (s *Server) walletUpload(c echo.Context) error {
	u := visitorOf(c).User
	up, err := s.walletReadUpload(c)
	if err != nil {
		return s.walletRefused(c, &walletAttempt{form: "upload", in: up.in, err: err})
	}
	_, dup, err := s.Documents.Add(c.Request().Context(), u.ID, up.in, up.rec, meta(c))
	if err != nil {
		return s.walletRefused(c, &walletAttempt{form: "upload", in: up.in, err: err})
	}
	if dup {
		s.setFlash(c, "wallet_duplicate")
	} else {
		s.setFlash(c, "wallet_uploaded")
	}
	return c.Redirect(http.StatusSeeOther, "/wallet")
}

// walletReplace makes an uploaded file the new version of a document.
func (s *Server) walletReplace(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u := visitorOf(c).User
	ctx := c.Request().Context()
	// Someone else's id, or an old version, is refused before a byte of the
	// file is stored.
	if _, err := s.Documents.Find(ctx, u.ID, id); err != nil {
		return err
	}
	up, err := s.walletReadUpload(c)
	if err != nil {
		return s.walletRefused(c, &walletAttempt{form: "replace", replaceID: id, in: up.in, err: err})
	}
	if _, err := s.Documents.Replace(ctx, u.ID, id, up.in, up.rec, meta(c)); err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			return s.walletRefused(c, &walletAttempt{form: "replace", replaceID: id, in: up.in, err: err})
		}
		return err
	}
	s.setFlash(c, "wallet_replaced")
	return c.Redirect(http.StatusSeeOther, "/wallet")
}

// walletDelete deletes a document with all its versions, unless an
// application refers to it: then the wallet says which.
func (s *Server) walletDelete(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u := visitorOf(c).User
	err = s.Documents.Delete(c.Request().Context(), u.ID, id, meta(c))
	if apperr.CodeOf(err) == apperr.Conflict {
		return s.walletPage(c, http.StatusConflict, &walletAttempt{form: "delete", replaceID: id, err: err})
	}
	if err != nil {
		return err
	}
	s.setFlash(c, "wallet_deleted")
	return c.Redirect(http.StatusSeeOther, "/wallet")
}

// ---- download

// documentDownload serves a document to someone allowed to open it, as an
// attachment under its normalised name and the type its content showed,
// never rendered inline and never cached. Openings by anyone but the owner
// are in the audit log before the first byte leaves.
func (s *Server) documentDownload(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	doc, rc, err := s.Documents.Open(c.Request().Context(), visitorOf(c).User, id, meta(c))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, doc.MediaType)
	h.Set(echo.HeaderContentDisposition, walletContentDisposition(doc.FileName))
	h.Set(echo.HeaderContentLength, strconv.FormatInt(doc.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	// Opened directly in a tab anyway, the file runs nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	c.Response().WriteHeader(http.StatusOK)
	if _, err := io.Copy(c.Response(), rc); err != nil {
		slog.Info("document download cut short", "document", doc.ID, "err", err)
	}
	return nil
}

// walletContentDisposition says "attachment" with the name twice: an ASCII
// fallback for old clients, and the exact UTF-8 name in RFC 5987 form.
func walletContentDisposition(name string) string {
	var ascii strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			r = '_'
		}
		ascii.WriteRune(r)
	}
	var enc strings.Builder
	for _, b := range []byte(name) {
		if ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9') || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			enc.WriteByte(b)
		} else {
			enc.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(b)|0x100, 16)[1:]))
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + enc.String()
}

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
			it.Detail = p.T("wallet.check.expired_on", n.Document.ExpiresOn.Format("2006-01-02"))
		case n.Document.ExpiresOn != nil:
			it.Detail = p.T("wallet.check.valid_until", n.Document.ExpiresOn.Format("2006-01-02"))
		}
		cl.Items = append(cl.Items, it)
	}
	for _, per := range periods {
		if per.RetiredAt != nil || per.EndsOn.Before(today) {
			continue
		}
		ev := document.Evaluate(docs, required, per)
		cp := WalletChecklistPeriod{
			Label: p.T("wallet.check.period", per.StartsOn.Format("2006-01-02"), per.EndsOn.Format("2006-01-02")),
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
				cp.Problems = append(cp.Problems, p.T("wallet.check.problem_expired", p.T("doc."+n.Type), n.Document.ExpiresOn.Format("2006-01-02")))
			case document.ExpiresDuring:
				cp.Problems = append(cp.Problems, p.T("wallet.check.problem_during", p.T("doc."+n.Type), n.Document.ExpiresOn.Format("2006-01-02")))
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
