package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/internal/auth"
	"portal/internal/selection"
	"portal/internal/user"
)

// guard is who may reach a route: a name to read in the listing below and
// the roles it admits. The navigation (render.go) shows a section to whom
// its guard admits, so every role list is written once, here.
type guard struct {
	name   string
	public bool        // anyone, signed in or not
	roles  []user.Role // nil: anyone signed in
}

// The guards of the portal's routes and navigation.
var (
	public    = guard{name: "public", public: true}
	signedIn  = guard{name: "signedIn"}
	students  = guard{name: "students", roles: []user.Role{user.Student}}
	incomers  = guard{name: "incoming", roles: []user.Role{user.Incoming}}
	holders   = guard{name: "holders", roles: []user.Role{user.Student, user.Incoming}} // keep a document wallet
	staff     = guard{name: "staff", roles: []user.Role{user.Coordinator, user.Office, user.Admin}}
	reviewers = guard{name: "reviewers", roles: []user.Role{user.Reviewer, user.Office, user.Admin}}
	office    = guard{name: "office", roles: []user.Role{user.Office, user.Admin}}
	admin     = guard{name: "admin", roles: []user.Role{user.Admin}}
)

// admits reports whether u (nil when signed out) passes the guard.
func (g guard) admits(u *user.User) bool {
	return g.public || (u != nil && (g.roles == nil || u.Has(g.roles...)))
}

// check is the guard as middleware: signed-out visitors are sent to sign
// in (401 for other methods), signed-in ones without a role refused (403).
func (g guard) check() []echo.MiddlewareFunc {
	switch {
	case g.public:
		return nil
	case g.roles == nil:
		return []echo.MiddlewareFunc{RequireSignIn}
	}
	return []echo.MiddlewareFunc{RequireRole(g.roles...)}
}

// router registers routes with their guards.
type router struct{ g *echo.Group }

func (r router) get(path string, who guard, h echo.HandlerFunc) {
	r.g.GET(path, h, who.check()...)
}

func (r router) post(path string, who guard, h echo.HandlerFunc) {
	r.g.POST(path, h, who.check()...)
}

// area guards every other path under prefix as well: an unknown page under
// /manage is refused to a student (403) before it is found missing (404).
func (r router) area(prefix string, who guard) {
	notFound := func(c echo.Context) error { return echo.ErrNotFound }
	r.g.RouteNotFound(prefix, notFound, who.check()...)
	r.g.RouteNotFound(prefix+"/*", notFound, who.check()...)
}

// plainRoutes are the routes outside the portal's pages: probes, static
// files, and dev mode's identity providers. They carry no session.
func (s *Server) plainRoutes(e *echo.Echo) {
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.POST("/auth/backchannel-logout", s.backchannelLogout) // no session, no CSRF: server to server
	if s.Config.Metrics {
		e.GET("/metrics", s.metrics)
	}
	e.GET("/static/*", s.assets.serve)
	if s.DevProvider != nil {
		e.Any("/dev/oidc/*", echo.WrapHandler(http.StripPrefix("/dev/oidc", s.DevProvider)))
	}
	if s.DevPartner != nil {
		e.Any("/dev/partner-oidc/*", echo.WrapHandler(http.StripPrefix("/dev/partner-oidc", s.DevPartner)))
	}
	// A person's private calendar feed: calendar apps carry no session; the
	// token in the address is the key (calendar_feed.go).
	if s.Watch != nil {
		e.GET(feedPrefix+":file", s.calendarFeed)
	}
}

// pageRoutes lists every page and action of the portal with who may reach
// it. Who may act on a given record is the services' decision; a guard
// only keeps out whom a whole section is not for.
func (s *Server) pageRoutes(g *echo.Group) {
	r := router{g}

	// Signing in and out, the language (handlers_auth.go, incoming_signin.go).
	r.get("/", public, s.home)
	r.get("/login", public, s.login)
	r.get("/auth/callback", public, s.callback)
	r.post("/logout", signedIn, s.logout)
	r.post("/lang", public, s.setLang)
	r.get("/signin/email", public, s.signinEmail)
	r.post("/signin/email", public, s.signinEmailSend)
	r.get("/signin/email/sent", public, s.signinEmailSent)
	r.get(auth.LinkPath, public, s.signinLink)
	r.post(auth.LinkPath, public, s.signinLinkUse)
	r.get("/login/:provider", public, s.partnerLogin)

	// The catalog, open to anyone: a student may look before signing in
	// (catalog.go).
	r.get("/electives", public, s.browseElectives)
	r.get("/electives/:id", public, s.browseElective)
	r.get("/institutions/:id", public, s.browseInstitution)

	// The document wallet (wallet.go).
	r.get("/wallet", signedIn, s.wallet)
	r.post(walletUploadPath, signedIn, s.walletUpload)
	r.post(walletReplacePath, signedIn, s.walletReplace)
	r.post("/documents/:id/delete", signedIn, s.walletDelete)
	r.get("/documents/:id/download", signedIn, s.documentDownload)
	r.get("/documents/:id/view", signedIn, s.documentView) // inline PDF or image, same checks and audit

	// The bell, and the admin's failed mail (notify.go).
	if s.Notify != nil {
		r.get("/notifications", signedIn, s.notifications)
		r.post("/notifications/read-all", signedIn, s.notificationsReadAll)
		r.post("/notifications/:id/read", signedIn, s.notificationRead)
		r.get("/notifications/preferences", signedIn, s.notificationPrefs)
		r.post("/notifications/preferences", signedIn, s.notificationPrefsSave)
		r.area("/admin/notifications", admin)
		r.get("/admin/notifications/failed", admin, s.notificationsFailed)
		r.post("/admin/notifications/retry-all", admin, s.notificationsRetryAll)
		r.post("/admin/notifications/:id/retry", admin, s.notificationRetry)
		if s.DevProvider != nil && s.MailCapture != nil {
			r.get("/dev/mail", public, s.devMail)
			r.get("/dev/mail/:id", public, s.devMailMessage)
			r.get("/dev/mail/:id/html", public, s.devMailHTML)
		}
	}

	s.ewpRoutes(r)      // EWP downloads for the office (api_ewp.go)
	s.apiTokenRoutes(r) // the office's API tokens (api_tokens.go)
	// trusted partner portals (p2p.go)
	s.p2pOfficeRoutes(r)

	// One link for a host's nominees of a round (host_batch.go).
	s.hostBatchRoutes(r)

	// Outgoing applications: the student's dashboard and the page every
	// party uses, one route per action (applications.go, applications_post.go).
	r.get("/applications", signedIn, s.applicationDashboard)
	r.post("/applications", signedIn, s.applicationStart)
	r.get("/applications/:id", signedIn, s.applicationShow)
	r.post("/applications/:id/save", signedIn, s.applicationSave)
	r.post("/applications/:id/attach", signedIn, s.applicationAttach)
	r.post("/applications/:id/detach", signedIn, s.applicationDetach)
	r.post("/applications/:id/submit", signedIn, s.applicationSubmit)
	r.post("/applications/:id/start_review", signedIn, s.applicationStartReview)
	r.post("/applications/:id/approve", signedIn, s.applicationApprove)
	r.post("/applications/:id/return", signedIn, s.applicationReturn)
	r.post("/applications/:id/reject", signedIn, s.applicationReject)
	r.post("/applications/:id/nominate", signedIn, s.applicationNominate)
	r.post("/applications/:id/promote", signedIn, s.applicationPromote)
	r.post("/applications/:id/host_decision", signedIn, s.applicationHostDecision)
	r.post("/applications/:id/accept_offer", signedIn, s.applicationAcceptOffer)
	r.post("/applications/:id/decline_offer", signedIn, s.applicationDeclineOffer)
	r.post("/applications/:id/withdraw", signedIn, s.applicationWithdraw)
	r.post("/applications/:id/note", signedIn, s.applicationNote)
	r.post("/applications/:id/round-offer/accept", signedIn, s.roundOfferAccept) // a round's freed seat (rounds_auto.go)
	r.post("/applications/:id/round-offer/decline", signedIn, s.roundOfferDecline)

	// The reviewers' queue and the office's bulk actions (review.go).
	rv := &reviewer{Server: s}
	r.get("/review", reviewers, rv.queue)
	r.post("/review/bulk", office, rv.bulk)
	r.get("/review/next/:id", reviewers, rv.next) // the next (or previous) application of a queue (review_next.go)
	// Taking, letting go and assigning an application (review_claim.go).
	r.post("/review/:id/claim", reviewers, rv.claim)
	r.post("/review/:id/release", reviewers, rv.release)
	r.post("/review/:id/assign", reviewers, rv.assign)

	// Incoming: the applicant's profile (incoming_profile.go), requests
	// (rotation.go, rotation_show.go), the coordinators' calendar
	// (rotation_calendar.go), and the public check of a letter (letters.go).
	r.area("/incoming", incomers)
	r.get("/incoming/profile", incomers, s.incomingProfile)
	r.post("/incoming/profile", incomers, s.incomingProfileSave)
	if s.Rotations != nil {
		r.get("/rotations", incomers, s.rotationList)
		r.get("/rotations/new", incomers, s.rotationNew)
		r.post("/rotations", incomers, s.rotationCreate)
		r.get("/rotations/weeks", signedIn, s.rotationWeeks)
		r.get("/rotations/:id", signedIn, s.rotationShow)
		r.post("/rotations/:id", signedIn, s.rotationSave)
		r.post("/rotations/:id/submit", signedIn, s.rotationSubmit)
		r.post("/rotations/:id/withdraw", signedIn, s.rotationWithdraw)
		r.post("/rotations/:id/start_review", signedIn, s.rotationStartReview)
		r.post("/rotations/:id/forward", signedIn, s.rotationForward)
		r.post("/rotations/:id/waitlist", signedIn, s.rotationWaitlist)
		r.post("/rotations/:id/complete", signedIn, s.rotationComplete)
		r.post("/rotations/:id/return", signedIn, s.rotationReturn)
		r.post("/rotations/:id/reject", signedIn, s.rotationReject)
		r.post("/rotations/:id/review", signedIn, s.rotationReviewNamed)
		r.post("/rotations/:id/accept", signedIn, s.rotationAccept)
		r.post("/rotations/:id/onboarding", signedIn, s.rotationOnboarding)
		r.post("/rotations/:id/confirm", signedIn, s.rotationConfirm)
		r.get("/rotations/:id/letters/:kind", signedIn, s.rotationLetter)
		r.get("/calendar", staff, s.calendarShow)
		r.get("/calendar/requests", staff, s.calendarQueue)
		r.post("/calendar/:dept/publish", staff, s.calendarPublish)
		r.post("/calendar/:dept/blackout", staff, s.calendarBlackout)
		r.post("/calendar/:dept/rules", staff, s.calendarRules)
		r.post("/calendar/:dept/coordinators", staff, s.calendarGrant)
		r.post("/calendar/:dept/coordinators/:user/revoke", staff, s.calendarRevoke)
	}
	s.rotationCloseRoutes(r) // rotation_close.go
	r.get("/verify", public, s.letterVerify)

	// The catalog's keeping by the office (catalog_admin*.go) and its
	// import and export (catalog_import.go).
	r.area("/manage", office)
	r.get("/manage", office, s.manageOverview)
	r.get("/manage/institutions", office, s.manageInstitutions)
	r.get("/manage/institutions/new", office, s.manageInstitutionNew)
	r.post("/manage/institutions", office, s.manageInstitutionCreate)
	r.get("/manage/institutions/:id", office, s.manageInstitutionEdit)
	r.post("/manage/institutions/:id", office, s.manageInstitutionUpdate)
	r.post("/manage/institutions/:id/retire", office, s.manageRetire(entInstitution))
	r.post("/manage/institutions/:id/restore", office, s.manageRestore(entInstitution))
	r.get("/manage/agreements", office, s.manageAgreements)
	r.get("/manage/agreements/new", office, s.manageAgreementNew)
	r.post("/manage/agreements", office, s.manageAgreementCreate)
	r.get("/manage/agreements/:id", office, s.manageAgreementEdit)
	r.post("/manage/agreements/:id", office, s.manageAgreementUpdate)
	r.post("/manage/agreements/:id/retire", office, s.manageRetire(entAgreement))
	r.post("/manage/agreements/:id/restore", office, s.manageRestore(entAgreement))
	r.get("/manage/electives", office, s.manageElectives)
	r.get("/manage/electives/new", office, s.manageElectiveNew)
	r.post("/manage/electives", office, s.manageElectiveCreate)
	r.get("/manage/electives/:id", office, s.manageElectiveEdit)
	r.post("/manage/electives/:id", office, s.manageElectiveUpdate)
	r.post("/manage/electives/:id/retire", office, s.manageRetire(entElective))
	r.post("/manage/electives/:id/restore", office, s.manageRestore(entElective))
	r.post("/manage/electives/:id/periods", office, s.managePeriodAdd)
	r.post("/manage/periods/:id", office, s.managePeriodUpdate)
	r.post("/manage/periods/:id/retire", office, s.managePeriodRetire)
	r.get("/manage/departments", office, s.manageDepartments)
	r.get("/manage/departments/new", office, s.manageDepartmentNew)
	r.post("/manage/departments", office, s.manageDepartmentCreate)
	r.get("/manage/departments/:id", office, s.manageDepartmentEdit)
	r.post("/manage/departments/:id", office, s.manageDepartmentUpdate)
	r.post("/manage/departments/:id/retire", office, s.manageRetire(entDepartment))
	r.post("/manage/departments/:id/restore", office, s.manageRestore(entDepartment))
	r.get("/manage/funding", office, s.manageFundings)
	r.get("/manage/funding/new", office, s.manageFundingNew)
	r.post("/manage/funding", office, s.manageFundingCreate)
	r.get("/manage/funding/:id", office, s.manageFundingEdit)
	r.post("/manage/funding/:id", office, s.manageFundingUpdate)
	r.post("/manage/funding/:id/retire", office, s.manageRetire(entFunding))
	r.post("/manage/funding/:id/restore", office, s.manageRestore(entFunding))
	r.get("/manage/import", office, s.importForm)
	r.post(importPath, office, s.importUpload) // body limit: bodyLimits in server.go
	r.get("/manage/import/template.csv", office, s.importTemplate)
	r.get("/manage/import/:id", office, s.importPreview)
	r.post("/manage/import/:id/commit", office, s.importCommit)
	r.get("/manage/export", office, s.exportPage)
	r.get("/manage/export.csv", office, s.exportCSV)
	r.get("/manage/export.xlsx", office, s.exportXLSX)

	// Users, roles and the audit log (handlers_admin.go).
	r.area("/admin", admin)
	r.get("/admin/users", admin, s.adminUsers)
	r.post("/admin/users/:id/roles", admin, s.adminGrant)
	r.post("/admin/users/:id/roles/:role/revoke", admin, s.adminRevoke)
	r.get("/admin/audit", admin, s.adminAudit)
	r.get("/admin/audit.csv", admin, s.adminAuditCSV)

	// Stars and saved searches (stars.go), the calendar feed's settings
	// (calendar_feed.go).
	if s.Watch != nil {
		r.post("/electives/:id/star", students, s.starAdd)
		r.post("/electives/:id/unstar", students, s.starRemove)
		r.get("/starred", students, s.starredList)
		r.get("/searches", students, s.searchList)
		r.post("/searches", students, s.searchSave)
		r.post("/searches/:id/delete", students, s.searchDelete)
		r.get("/settings/calendar", signedIn, s.calendarFeedSettings)
		r.post("/settings/calendar/reset", signedIn, s.calendarFeedReset)
	}

	s.hostRoutes(r) // the partner's answer loop (host*.go)
	s.uiLinksRoutes(r)

	// Selection rounds: the office's rounds, dry runs and publication;
	// reviewers score the applicants in their scope (rounds*.go).
	if s.Selection != nil {
		r.area("/rounds", reviewers)
		r.get("/rounds", reviewers, s.roundsList)
		r.get("/rounds/new", office, s.roundNew)
		r.post("/rounds", office, s.roundCreate)
		r.get("/rounds/:id", reviewers, s.roundShow)
		r.get("/rounds/:id/edit", office, s.roundEdit)
		r.post("/rounds/:id", office, s.roundUpdate)
		r.get("/rounds/:id/scores", reviewers, s.roundScores)
		r.post("/rounds/:id/scores/:app", reviewers, s.roundScoresSave)
		r.post("/rounds/:id/start_scoring", office, s.roundAct(selection.StartScoring))
		r.post("/rounds/:id/rescore", office, s.roundAct(selection.Rescore))
		r.post("/rounds/:id/dry_run", office, s.roundAct(selection.RunDry))
		r.post("/rounds/:id/publish", office, s.roundAct(selection.Publish))
		r.post("/rounds/:id/close", office, s.roundAct(selection.Close))
		r.post("/rounds/:id/auto", office, s.roundAutoSave) // after publication (rounds_auto.go)
		r.get("/rounds/:id/compare", office, s.roundCompare)
		r.get("/rounds/:id/dry-runs/:seq", office, s.roundDryRun)
		r.get("/rounds/:id/dry-runs/:seq/:file", office, s.roundFile)
		s.roundImportRoutes(r)
		s.roundAppealRoutes(r) // rounds_appeals.go
	}

	s.privacyRoutes(r)     // /account, the office's privacy requests and retention (account.go)
	s.reportsRoutes(r)     // the office's reports (reports.go)
	s.scholarshipRoutes(r) // scholarships.go
	s.evaluationRoutes(r)  // reports, recognition (evaluation.go)
	s.departureRoutes(r)   // the pre-departure checklist (departure.go)
	s.mentorRoutes(r)      // mentors.go
	// the host supervisor's evaluation (hosteval.go)
	s.hostEvaluationRoutes(r)
}
