// Package wiring assembles the portal from its parts for one configuration:
// the database, the services, the web server and, in dev mode only, the
// development OpenID provider. main and the end-to-end tests build the
// portal the same way through it.
package wiring

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	portal "portal"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/auth"
	"portal/internal/auth/devoidc"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/config"
	"portal/internal/db"
	"portal/internal/document"
	"portal/internal/evaluation"
	"portal/internal/host"
	"portal/internal/i18n"
	"portal/internal/incoming"
	"portal/internal/letter"
	"portal/internal/notify"
	"portal/internal/p2p"
	"portal/internal/privacy"
	"portal/internal/report"
	"portal/internal/rotation"
	"portal/internal/scholarship"
	"portal/internal/selection"
	"portal/internal/storage"
	"portal/internal/user"
	"portal/internal/watch"
	"portal/internal/web"
)

// App is a portal ready to serve.
type App struct {
	Config  config.Config
	DB      *db.DB
	Auth    *auth.Service
	Users   *user.Store
	Catalog *catalog.Service
	// Applications is the outgoing workflow.
	Applications *application.Service
	// Rotations is the incoming rotations' calendar and workflow.
	Rotations *rotation.Service
	Web       *web.Server
	// Dev is the development provider; nil outside dev mode.
	Dev *devoidc.Provider
	// DevPartner is dev mode's partner university provider (incoming sign-in).
	DevPartner *devoidc.Provider
	// notifications: the outbox and the bell; Mail holds dev mode's
	// captured mail (nil when mail goes to an SMTP server).
	Notify *notify.Service
	Mail   *notify.Capture
	smtp   *notify.SMTPMailer
	// Zone is the portal's time zone (PORTAL_TIME_ZONE): every service
	// shows times in it; pages are to as well (clock.Zone.Phrase).
	Zone clock.Zone
	// Watch keeps stars, saved searches and calendar feeds, and sends the
	// window mails (watch.go).
	Watch *watch.Service
	// Privacy: consents, disclosures, export, requests, retention.
	Privacy *privacy.Service
	// Host is the partner's answer loop: contacts, dossiers, reminders (host.go).
	Host *host.Service
	// evaluations keeps reports and recognitions, and reminds (evaluation.go).
	evaluations *evaluation.Service
	// rounds applies published selection rounds' rule after publication (selection_auto.go).
	rounds  *selection.Service
	reports *report.Service // agreement expiry notices (reports.go)
	// P2P exchanges nominations with partner portals (p2p.go).
	P2P *p2p.Service

	// files keeps uploaded bytes; the host supervisors' paper forms read it (hosteval.go).
	files storage.Storage
}

// Options are what only tests and dev mode set.
type Options struct {
	// DevUsers replaces the demo users of the development provider.
	DevUsers []devoidc.User
	Version  string
	// DemoApplications fills the workflow of dev mode with demo
	// applications, once (workflow.go). `portal dev` sets it; tests leave
	// it off for a quiet portal, without queues or digests.
	DemoApplications bool
}

// ErrSchemaBehind is returned by Open in serve mode when migrations are pending.
var ErrSchemaBehind = db.ErrSchemaBehind

// Open builds the portal for cfg. In dev mode it applies the migrations and
// starts the development provider at BaseURL/dev/oidc; in serve mode it
// refuses a database whose schema is behind, and never has a dev provider.
func Open(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL, db.Pool{MaxOpen: cfg.DBMaxOpen, MaxIdle: cfg.DBMaxIdle, Timeouts: timeouts(cfg.Ops)})
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, DB: d}
	if err := a.open(ctx, o); err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) open(ctx context.Context, o Options) error {
	cfg := &a.Config
	var demo []web.DemoUser
	var devUsers []devoidc.User
	if cfg.Mode == config.ModeDev {
		if _, err := a.DB.Migrate(ctx); err != nil {
			return err
		}
		users := o.DevUsers
		if users == nil {
			users = devoidc.DemoUsers()
		}
		cfg.OIDCIssuer = cfg.BaseURL + "/dev/oidc"
		cfg.OIDCDiscoveryURL = ""
		cfg.OIDCClientID = "portal-dev"
		cfg.OIDCClientSecret = randomHex(16)
		dev, err := devoidc.New(cfg.OIDCIssuer, users, devoidc.Client{
			ID: cfg.OIDCClientID, Secret: cfg.OIDCClientSecret,
			RedirectURIs:           []string{cfg.BaseURL + "/auth/callback"},
			PostLogoutRedirectURIs: []string{cfg.BaseURL + "/"},
		})
		if err != nil {
			return err
		}
		a.Dev, devUsers = dev, users
		if err := a.devPartner(); err != nil { // incoming sign-in (incoming.go)
			return err
		}
		for _, u := range users {
			du := web.DemoUser{Username: u.Username, Name: u.Name}
			for _, g := range u.Groups {
				if r, ok := user.ParseRole(g); ok {
					du.Role = r
					break
				}
			}
			demo = append(demo, du)
		}
	} else if err := a.DB.CheckSchema(ctx); err != nil {
		if errors.Is(err, db.ErrSchemaBehind) {
			return fmt.Errorf("%w; run `portal migrate up` first", err)
		}
		return err
	}

	bundle, err := i18n.Load()
	if err != nil {
		return err
	}
	// time zone: Validate has checked it in main; tests come here directly.
	if a.Zone, err = cfg.Zone(); err != nil {
		return fmt.Errorf("PORTAL_TIME_ZONE: %w", err)
	}
	a.Users = user.NewStore(a.DB)
	log := audit.NewLog(a.DB)
	a.Auth = auth.New(a.DB, a.Users, log, auth.Options{
		Issuer: cfg.OIDCIssuer, DiscoveryURL: cfg.OIDCDiscoveryURL,
		ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret, TokenAuth: cfg.OIDCTokenAuth,
		RedirectURL: cfg.BaseURL + "/auth/callback", PostLogoutURL: cfg.BaseURL + "/",
		Scopes: cfg.OIDCScopes, RolesClaim: cfg.OIDCRolesClaim, RoleMap: cfg.OIDCRoleMap,
		Idle: cfg.SessionIdle, Absolute: cfg.SessionAbsolute,
		Partners: partners(cfg.PartnerProviders), EmailIssuer: cfg.BaseURL + "/signin/email",
		Unread: notify.UnreadWithOffersColumn, // the bell of every page, with the session; an offer waiting counts
		// students: a home student's number and year of study
		StudentNumberClaim: cfg.OIDCClaimStudentNumber, YearOfStudyClaim: cfg.OIDCClaimYearOfStudy,
	})
	a.Catalog = catalog.NewServiceWith(a.DB, bundle, catalog.Options{Zone: a.Zone}) // today is the zone's day
	if cfg.Mode == config.ModeDev {
		if seeded, err := a.Catalog.SeedDemo(ctx); err != nil {
			return err
		} else if seeded {
			slog.Info("demo catalog loaded")
		}
	}
	// documents: the wallet's service and its file storage are built here.
	files, err := storage.Open(ctx, cfg.Storage())
	a.files = files
	if err != nil {
		return err
	}
	// Reviewers in scope and the office may open the documents attached to
	// a submitted application; the workflow decides who is in scope.
	a.Applications = application.NewService(a.DB, application.Options{Outbox: p2pOutbox{a.hostOutbox(), a}, OfferDays: cfg.OfferDays, Zone: a.Zone})
	// Coordinators in scope and the office may open the documents attached
	// to a submitted rotation request too.
	a.Rotations = rotation.NewService(a.DB, rotation.Options{Outbox: p2pOutbox{WorkflowOutbox{}, a}, Zone: a.Zone})
	a.Privacy = privacy.NewService(a.DB, privacy.Options{Zone: a.Zone, Store: files}) // consents guard the scope (privacy.go)
	docs := document.NewService(a.DB, files, document.Options{MaxBytes: cfg.UploadLimit(), Zone: a.Zone,
		Scope: a.Privacy.Guard(anyScope(a.Applications.DocumentScope, a.Rotations.DocumentScope)), Refused: a.Privacy.Refused})
	if a.Dev != nil && o.DemoApplications {
		// demo applications, once, moved through the workflow (workflow.go)
		if err := a.seedDemoApplications(ctx, devUsers, files, bundle); err != nil {
			return err
		}
		if err := a.seedDemoRotations(ctx, devUsers, docs); err != nil { // rotations.go
			return err
		}
		if err := a.seedDemoConsents(ctx); err != nil { // privacy_demo.go
			return err
		}
		if err := a.seedDemoEWPFacts(ctx); err != nil { // ewp_demo.go
			return err
		}
	}
	fonts := letter.NewFonts() // parsed once, for the letters and the dossiers
	deps := web.Deps{
		Zone:   a.Zone,
		Config: *cfg, DB: a.DB, Auth: a.Auth, Users: a.Users, Audit: log, I18n: bundle, Catalog: a.Catalog, Documents: docs,
		Templates: portal.Templates, Static: portal.Static, Version: o.Version, DemoUsers: demo,
		Applications: a.Applications, Rotations: a.Rotations,
		Incoming: incoming.NewService(a.DB, a.Catalog, nil),
		// the incoming students' PDF letters and their public check
		Letters: letter.NewService(a.DB, letter.Options{BaseURL: cfg.BaseURL, I18n: bundle, Zone: a.Zone, Fonts: fonts}),
	}
	// Interfaces hold a nil *Provider as non-nil: set them only when there is one.
	// selection rounds, which publish through the outgoing workflow
	deps.Selection = selection.NewService(a.DB, selection.Options{Applications: a.Applications, Zone: a.Zone})
	a.rounds = deps.Selection
	if a.Dev != nil && o.DemoApplications {
		if err := a.seedDemoRounds(ctx, deps.Selection, devUsers); err != nil { // rounds.go
			return err
		}
	}
	deps.Reports = a.openReports()                                                      // the office's reports (reports.go)
	deps.Scholarships = scholarship.NewService(a.DB, scholarship.Options{Zone: a.Zone}) // scholarships.go
	if a.Dev != nil && o.DemoApplications {
		if err := a.seedDemoScholarships(ctx, deps.Scholarships, devUsers); err != nil {
			return err
		}
	}
	if a.Dev != nil {
		deps.DevProvider = a.Dev
	}
	if a.DevPartner != nil {
		deps.DevPartner = a.DevPartner
	}
	// notifications:
	if err := a.openNotify(bundle); err != nil {
		return err
	}
	deps.Notify, deps.MailCapture = a.Notify, a.Mail
	// stars, saved searches, the calendar feed (watch.go)
	a.Watch = watch.NewService(a.DB, watch.Options{Zone: a.Zone, Search: a.Catalog})
	deps.Watch = a.Watch
	deps.Privacy = a.Privacy
	a.Host = host.NewService(a.DB, a.Applications, files, host.Options{Fonts: fonts}) // host.go
	if a.Dev != nil && o.DemoApplications {
		if err := a.seedDemoHostContacts(ctx); err != nil { // host_demo.go
			return err
		}
	}
	deps.Host = a.Host
	// partner portals (p2p.go)
	deps.P2P = a.openP2P(docs)
	a.partnerAPI(&deps)                    // EWP documents and API tokens (api.go)
	deps.Evaluations = a.openEvaluations() // evaluation.go
	deps.Departures = a.openDepartures()   // departure.go
	if a.Dev != nil && o.DemoApplications {
		// the steps after the demo's placements (hosteval_demo.go)
		if err := a.seedDemoEvaluations(ctx); err != nil {
			return err
		}
	}
	// mentors.go
	if deps.Mentors, err = a.openMentors(ctx, devUsers, o.DemoApplications); err != nil {
		return err
	}
	a.Web, err = web.New(deps)
	return err
}

// Serve serves HTTP on ln until ctx ends (SIGTERM in main), then drains:
// /readyz answers 503 at once while everything else is still served for
// Ops.ShutdownGrace, so that load balancers stop sending first; then it
// stops accepting, lets requests in flight finish (up to
// Ops.ShutdownTimeout), waits for the mail being sent, and returns. The
// caller closes the database.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Web,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	// The background work ends with ctx: a worker finishes the mail in its
	// hands and gives back what it claimed but did not try, for another
	// replica. Deferred, its stop waits for that after the last request.
	go a.purgeSessions(ctx)
	defer a.startWorkers(ctx)() // notifications
	// offer expiry and reminders (workflow.go)
	defer a.startWorkflowJobs(ctx)()
	defer a.startWatchJobs(ctx)() // window mails (watch.go)
	defer a.startRetention(ctx)() // retention by rule (privacy.go)
	defer a.startHostJobs(ctx)()  // host reminders (host.go)
	defer a.startP2PJobs(ctx)()   // partner portal messages (p2p.go)
	// report reminders (evaluation.go)
	defer a.startEvaluationJobs(ctx)()
	defer a.startRoundJobs(ctx)()  // selection rounds after publication (selection_auto.go)
	defer a.startReportJobs(ctx)() // agreement expiry notices (reports.go)
	// supervisors asked and reminded (hosteval.go)
	defer a.startHostEvaluationJobs(ctx)()
	defer a.startRotationJobs(ctx)() // close reminders (rotation_jobs.go)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return a.drain(srv, errc)
}

// drain is Serve's shutdown, once ctx has ended: errc delivers srv.Serve's
// result.
func (a *App) drain(srv *http.Server, errc <-chan error) error {
	ops := a.Config.Ops
	a.Web.Drain()
	if ops.ShutdownGrace > 0 {
		slog.Info("shutting down: /readyz answers 503, serving on meanwhile", "grace", ops.ShutdownGrace)
		select {
		case <-time.After(ops.ShutdownGrace):
		case err := <-errc:
			return err
		}
	}
	slog.Info("shutting down: finishing requests in flight", "timeout", ops.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), max(ops.ShutdownTimeout, time.Second))
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// Stopping is not a failure of the process: the orchestrator would
		// kill it soon anyway. Cut what is left and say so.
		slog.Warn("shutting down: requests still in flight after the shutdown timeout are cut", "timeout", ops.ShutdownTimeout)
		err = srv.Close()
	}
	<-errc
	return err
}

// timeouts are the database timeouts of the configuration.
func timeouts(o config.Ops) db.Timeouts {
	return db.Timeouts{
		Statement: o.DBStatementTimeout, Lock: o.DBLockTimeout, IdleInTransaction: o.DBIdleInTransactionTimeout,
		Connect: o.DBConnectTimeout, Wait: o.DBWaitTimeout, Transaction: o.DBTransactionTimeout,
	}
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// purgeSessions deletes expired sessions every ten minutes, so that the
// table holds only live ones whatever the traffic.
func (a *App) purgeSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.Auth.Purge(ctx); err != nil {
				slog.Warn("purge sessions", "err", err)
			} else if n > 0 {
				slog.Info("purged expired sessions", "count", n)
			}
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// notifications:

// openNotify builds the notifications service and where its mail goes: the
// SMTP server of the configuration, or in dev mode without one, a capture
// read at /dev/mail. The digest learns what waits from the workflow
// (workflow.go).
func (a *App) openNotify(bundle *i18n.Bundle) error {
	cfg := a.Config
	var mailer notify.Mailer
	switch {
	case cfg.SMTPHost != "":
		from := cfg.SMTPFrom
		if from == "" {
			from = "Clinical Electives Portal <portal@localhost>" // dev mode only: Validate demands it in serve
		}
		m, err := notify.NewSMTPMailer(notify.SMTPConfig{
			Host: cfg.SMTPHost, Port: cfg.SMTPPort, TLS: cfg.SMTPTLSMode(),
			Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: from,
		}, max(cfg.Workers, 1))
		if err != nil {
			return err
		}
		a.smtp, mailer = m, m
	case cfg.Mode == config.ModeDev:
		a.Mail = notify.NewCapture(200)
		mailer = a.Mail
	}
	var err error
	a.Notify, err = notify.NewService(a.DB, bundle, mailer, notify.Options{
		BaseURL: cfg.BaseURL, Templates: portal.Templates, MaxAttempts: cfg.MailAttempts(), Digest: workflowDigest{a.Applications},
		Zone: a.Zone,
	})
	return err
}

// startWorkers starts the outbox workers of this replica, if it has any,
// and returns what stops them: it waits for the mail being sent.
func (a *App) startWorkers(ctx context.Context) (stop func()) {
	n := a.Config.Workers
	if n <= 0 || a.Notify == nil || (a.smtp == nil && a.Mail == nil) {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Notify.Run(ctx, n)
	}()
	slog.Info("outbox workers started", "workers", n)
	return func() {
		cancel()
		<-done
		if a.smtp != nil {
			_ = a.smtp.Close()
		}
	}
}
