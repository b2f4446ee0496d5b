package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/clock"
	"portal/internal/i18n"
	"portal/internal/user"
)

// pageName names a page: templates/pages/<name>.html, executed inside the
// layout. Every page has a constant here, and newRenderer refuses to start
// when a constant has no file or a file no constant, so a misspelt page
// fails at start-up, not when someone opens it.
type pageName string

// The pages.
const (
	pageAdminAudit          pageName = "admin_audit"
	pageAdminUsers          pageName = "admin_users"
	pageApplication         pageName = "application"
	pageApplications        pageName = "applications"
	pageCalendar            pageName = "calendar"
	pageCalendarRequests    pageName = "calendar_requests"
	pageCatalog             pageName = "catalog"
	pageCatalogElective     pageName = "catalog_elective"
	pageCatalogInstitution  pageName = "catalog_institution"
	pageError               pageName = "error"
	pageHome                pageName = "home"
	pageIncomingProfile     pageName = "incoming_profile"
	pageManage              pageName = "manage"
	pageManageForm          pageName = "manage_form"
	pageManageImport        pageName = "manage_import"
	pageManageImportExport  pageName = "manage_import_export"
	pageManageImportPreview pageName = "manage_import_preview"
	pageManageList          pageName = "manage_list"
	pageNotifications       pageName = "notifications"
	pageDevMail             pageName = "notifications_devmail"
	pageDevMailMessage      pageName = "notifications_devmail_message"
	pageNotificationsFailed pageName = "notifications_failed"
	pageNotificationPrefs   pageName = "notifications_prefs"
	pageReview              pageName = "review"
	pageReviewBulk          pageName = "review_bulk"
	pageRotation            pageName = "rotation"
	pageRotationNew         pageName = "rotation_new"
	pageRotations           pageName = "rotations"
	pageSigninEmail         pageName = "signin_email"
	pageSigninEmailSent     pageName = "signin_email_sent"
	pageSigninLink          pageName = "signin_link"
	pageSigningOut          pageName = "signing_out"
	pageVerify              pageName = "verify"
	pageWallet              pageName = "wallet"
	pageAPITokens           pageName = "api_tokens"    // api_tokens.go
	pageP2PPartners         pageName = "p2p_partners"  // p2p.go
	pageAPIReference        pageName = "api_reference" // api_reference.go
	// watch: stars, saved searches, the calendar feed (stars.go, calendar_feed.go)
	pageWatchStarred  pageName = "watch_starred"
	pageWatchSearches pageName = "watch_searches"
	pageWatchCalendar pageName = "watch_calendar"

	// Selection rounds (rounds*.go).
	pageRounds        pageName = "rounds"
	pageRoundsForm    pageName = "rounds_form"
	pageRoundsShow    pageName = "rounds_show"
	pageRoundsScores  pageName = "rounds_scores"
	pageRoundsDryRun  pageName = "rounds_dryrun"
	pageRoundsCompare pageName = "rounds_compare"

	// Privacy: /account and the office's requests and retention (account.go, privacy_office.go).
	pageAccount, pagePrivacyQueue, pagePrivacyRetention pageName = "account", "privacy_queue", "privacy_retention"
	pagePrivacyPerson                                   pageName = "privacy_person"
	pagePrivacyNotice                                   pageName = "privacy_notice"
	pageReports                                         pageName = "reports" // reports.go
	// The partner's answer loop (host*.go).
	pageHostDossier  pageName = "host_dossier"
	pageHostAnswered pageName = "host_answered"
	pageHostContacts pageName = "host_contacts"

	// One link for a host's nominees of a round (host_batch.go).
	pageHostBatch, pageHostBatches pageName = "host_batch", "host_batches"

	// Scholarship calls (scholarships.go).
	pageScholarships         pageName = "scholarships"
	pageScholarshipsForm     pageName = "scholarships_form"
	pageScholarshipsShow     pageName = "scholarships_show"
	pageScholarshipsRegister pageName = "scholarships_register"
	// After a placement (evaluation.go).
	pageEvaluationReport    pageName = "evaluation_report"
	pageEvaluationList      pageName = "evaluation_list"
	pageEvaluationRecognise pageName = "evaluation_recognise"
	// The host supervisor's evaluation (hosteval.go).
	pageHostEvalForm, pageHostEvalDone, pageHostEvalOffice pageName = "hosteval_form", "hosteval_done", "hosteval_office"
	// Before a placement (departure.go).
	pageDeparture, pageDepartureList pageName = "departure", "departure_list"
	// Mentors (mentors.go).
	pageMentors, pageMentorsSignup, pageMentorsMatch pageName = "mentors", "mentors_signup", "mentors_match"
	// The close of an incoming rotation (rotation_close.go).
	pageRotationClose, pageRotationOutstanding pageName = "rotation_close", "rotation_outstanding"
)

// pageNames are all the pages, for the start-up check and the tests.
var pageNames = []pageName{
	pageAdminAudit, pageAdminUsers, pageApplication, pageApplications, pageCalendar,
	pageCalendarRequests, pageCatalog, pageCatalogElective, pageCatalogInstitution, pageError,
	pageHome, pageIncomingProfile, pageManage, pageManageForm, pageManageImport,
	pageManageImportExport, pageManageImportPreview, pageManageList, pageNotifications, pageDevMail,
	pageDevMailMessage, pageNotificationsFailed, pageNotificationPrefs, pageReview, pageReviewBulk,
	pageRotation, pageRotationNew, pageRotations, pageSigninEmail, pageSigninEmailSent,
	pageSigninLink, pageSigningOut, pageVerify, pageWallet,
	pageWatchStarred, pageWatchSearches, pageWatchCalendar, // watch
	pageRounds, pageRoundsForm, pageRoundsShow, pageRoundsScores, pageRoundsDryRun, pageRoundsCompare,
	pageRoundsImport, pageRoundsImportPreview, // rounds_import.go
	pageRoundsAppeal, pageRoundsAppealStudent, // rounds_appeals.go
	pageAccount, pagePrivacyQueue, pagePrivacyRetention, pagePrivacyPerson, pagePrivacyNotice, // privacy
	pageReports,
	pageHostDossier, pageHostAnswered, pageHostContacts, // host
	pageHostBatch, pageHostBatches, // host_batch.go
	pageScholarships, pageScholarshipsForm, pageScholarshipsShow, pageScholarshipsRegister, // scholarships
	pageAPITokens, pageAPIReference, // api_tokens.go, api_reference.go
	pageEvaluationReport, pageEvaluationList, pageEvaluationRecognise, // evaluation
	pageDeparture, pageDepartureList, // departure
	pageMentors, pageMentorsSignup, pageMentorsMatch, // mentors
	pageRotationClose, pageRotationOutstanding, // rotation_close.go
	pageP2PPartners,                                        // p2p.go
	pageHostEvalForm, pageHostEvalDone, pageHostEvalOffice, // hosteval.go
}

// fragmentName names a template of the partials that htmx requests get
// alone, without the layout. newRenderer checks each is defined.
type fragmentName string

// The fragments.
const (
	fragCatalogResults fragmentName = "catalog_fragment" // the catalog's result cards
	fragReviewQueue    fragmentName = "review_fragment"  // the review queue's tabs, table and pager
	fragReviewRows     fragmentName = "review_rows"      // the queue table's rows (QueueRows)
	fragRotationWeeks  fragmentName = "rotation_weeks"   // a request form's start-week picker
	fragWatchStar      fragmentName = "watch_star"       // an elective's star button (stars.go)
	// A result card without its star, rendered once (catalog_cards.go).
	fragCatalogCardBody fragmentName = "catalog_card_body"
	// The catalog's filters, rendered once per language and choice.
	fragCatalogFilters fragmentName = "catalog_filters"
)

var fragmentNames = []fragmentName{fragCatalogResults, fragReviewQueue, fragReviewRows, fragRotationWeeks,
	fragWatchStar, // watch
	fragCatalogCardBody, fragCatalogFilters,
}

// renderer holds every page's template set, parsed once at boot: each page
// is the layout plus the partials plus its own file. The partials alone
// are one more set, for the fragments.
type renderer struct {
	pages     map[pageName]*template.Template
	fragments *template.Template
	bundle    *i18n.Bundle
	// rendered, when set, hears the name of each page and fragment
	// rendered: the translation test checks that it saw every one.
	rendered atomic.Pointer[func(string)]
}

func (r *renderer) onRender(f func(string)) { r.rendered.Store(&f) }

func newRenderer(tfs fs.FS, a *assets, b *i18n.Bundle) (*renderer, error) {
	funcs := template.FuncMap{"static": a.URL}
	partials, err := fs.Glob(tfs, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(tfs, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[pageName]*template.Template{}, bundle: b}
	for _, p := range pages {
		name := pageName(strings.TrimSuffix(path.Base(p), ".html"))
		if !slices.Contains(pageNames, name) {
			return nil, fmt.Errorf("template %s has no page constant (render.go)", p)
		}
		files := append([]string{"templates/layout.html"}, partials...)
		files = append(files, p)
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(tfs, files...)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		r.pages[name] = t
	}
	for _, n := range pageNames {
		if r.pages[n] == nil {
			return nil, fmt.Errorf("page %q has no template templates/pages/%s.html", n, n)
		}
	}
	if r.fragments, err = template.New("fragments").Funcs(funcs).ParseFS(tfs, partials...); err != nil {
		return nil, fmt.Errorf("parse partials: %w", err)
	}
	for _, n := range fragmentNames {
		if r.fragments.Lookup(string(n)) == nil {
			return nil, fmt.Errorf("fragment %q is defined in no partial", n)
		}
	}
	return r, nil
}

// render executes into a buffer first, so that a template error becomes a
// proper error page instead of half a page with a 200 status.
func (r *renderer) render(c echo.Context, status int, page pageName, data any) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("no template for page %q", page)
	}
	return r.write(c, status, t, string(page), "layout.html", data)
}

// fragment renders a part of a page alone, as htmx asks for it.
func (r *renderer) fragment(c echo.Context, status int, name fragmentName, data any) error {
	return r.write(c, status, r.fragments, string(name), string(name), data)
}

// execute renders fragment name into w, for callers without a request.
func (r *renderer) execute(w io.Writer, name fragmentName, data any) error {
	return r.run(w, r.fragments, string(name), string(name), data)
}

// executePage renders page into w, for callers that keep what it wrote
// (the catalog's page cache).
func (r *renderer) executePage(w io.Writer, page pageName, data any) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("no template for page %q", page)
	}
	return r.run(w, t, string(page), "layout.html", data)
}

func (r *renderer) run(w io.Writer, t *template.Template, what, name string, data any) error {
	if err := t.ExecuteTemplate(w, name, data); err != nil {
		return fmt.Errorf("render %s: %w", what, err)
	}
	if f := r.rendered.Load(); f != nil {
		(*f)(what)
	}
	return nil
}

func (r *renderer) write(c echo.Context, status int, t *template.Template, what, name string, data any) error {
	var buf bytes.Buffer
	if err := r.run(&buf, t, what, name, data); err != nil {
		return err
	}
	return blob(c, status, buf.Bytes())
}

// blob answers with an HTML page; no page is kept by browsers or proxies,
// since most are someone's own.
func blob(c echo.Context, status int, page []byte) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, page)
}

// Page is what the layout needs; every page's view embeds it. Nothing in it
// is a database model: templates see only what they show.
type Page struct {
	Lang    i18n.Lang
	bundle  *i18n.Bundle
	Title   string
	Person  *Person
	Nav     []NavItem
	CSRF    string
	Flash   string
	Path    string
	Here    string // path and query, to come back to after switching language
	Langs   []LangChoice
	Dev     bool
	Signout bool
	Bell    *Bell // notifications: the header's bell; nil when signed out
	zone    clock.Zone
}

// When is an instant as people here read it: in the portal's time zone,
// saying which ("7 Dec 2026 09:32 (Taipei time, UTC+8)").
func (p Page) When(t time.Time) string { return p.zone.Phrase(p.tr, t) }

// Date is the calendar day of an instant in the portal's time zone,
// written as the page's language writes dates ("7 Dec 2026",
// "2026年12月7日"; clock.DayText).
func (p Page) Date(t time.Time) string { return p.zone.DateText(p.tr, t) }

// Day is a calendar day as the portal stores them (a period's start, an
// expiry date: midnight UTC, never moved by a zone), written as Date
// writes days. ISO dates are for machines only: datetime attributes, form
// values, CSV and addresses. No day (the zero time) is "".
func (p Page) Day(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	return clock.DayText(p.tr, d)
}

// T translates key into the page's language. A date among args made
// where the language was unknown (a domain error's "2027-04-02") is
// written as the page writes dates (clock.Readable).
func (p Page) T(key string, args ...any) string {
	return p.bundle.T(p.Lang, key, clock.Readable(p.tr, args)...)
}

// tr is T without Readable, for the clock's own words.
func (p Page) tr(key string, args ...any) string { return p.bundle.T(p.Lang, key, args...) }

// N translates a plural key (locales/*/plural.json) for the count n into
// the page's language: {{.N "browse.seats_left" .Left}} is "Only 1 seat
// left" or "2 seats left". n chooses the form and, without args, fills it.
func (p Page) N(key string, n int, args ...any) string {
	return p.bundle.N(p.Lang, key, n, clock.Readable(p.tr, args)...)
}

// Person is the signed-in user as the layout shows them.
type Person struct {
	Name, Email string
	Roles       []string // translated role names
}

// NavItem is a link of the main navigation.
type NavItem struct {
	Label, Path string
	Current     bool
}

// LangChoice is one button of the language switch.
type LangChoice struct {
	Code    string
	Name    string
	Current bool
}

// navigation lists the sections of the portal, each shown to whom its
// guard admits (routes.go). It is data so that a new section is one line.
var navigation = []struct {
	key, path string
	who       guard
}{
	{"nav.home", "/", signedIn},
	{"nav.catalog", "/electives", signedIn},
	{"nav.wallet", "/wallet", holders},
	{"nav.rotations", "/rotations", incomers},
	{"nav.calendar", "/calendar", staff},
	{"nav.incoming_profile", "/incoming/profile", incomers},
	{"nav.applications", "/applications", students},
	{"nav.review", "/review", reviewers},
	{"nav.manage", "/manage", office},
	{"nav.admin_users", "/admin/users", admin},
	{"nav.admin_audit", "/admin/audit", admin},
	// watch (stars.go, calendar_feed.go)
	{"nav.starred", "/starred", students},
	{"nav.calendar_feed", "/settings/calendar", signedIn},
	{"nav.rounds", "/rounds", reviewers},
	{"nav.account", "/account", signedIn}, // privacy (account.go)
	{"nav.privacy", "/privacy/requests", office},
	{"nav.reports", "/reports", reportReaders},
	{"nav.scholarships", "/scholarships", scholars},
	{"ui_links.nav.evaluations", "/evaluations", office}, // ui_links.go
	{"ui_links.nav.hosts", "/manage/hosts", office},
	{"ui_links.nav.api_tokens", "/api/tokens", office},
	// partner portals (p2p.go)
	{"p2p.nav", "/manage/partner-portals", office},
	{"departure.nav", "/departures", office}, // departure.go
	{"mentors.nav", "/mentors", staff},       // mentors.go
	{"mentors.nav_signup", "/mentors/signup", mentorables},
	{"rotation.outstanding.nav", "/rotations/outstanding", staff}, // rotation_close.go
}

func roleLabel(b *i18n.Bundle, l i18n.Lang, r user.Role) string {
	return b.T(l, "role."+string(r))
}
