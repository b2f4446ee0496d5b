package wiring

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/application"
	"portal/internal/auth"
	"portal/internal/auth/devoidc"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/notify"
	"portal/internal/rotation"
	"portal/internal/storage"
	"portal/internal/user"
)

// The workflow and the notifications meet here, so that neither package
// knows the other: the workflow announces its transitions through
// application.Outbox, and tells the digest what waits; the notifications
// decide who hears of it and in which mail.

// mailsOf are the mails a transition sends its applicant. Moves the
// applicant makes themself (accept, decline, withdraw, report) and the
// start of a review tell them nothing they do not know.
var mailsOf = map[application.Action][]notify.Kind{
	application.Submit:       {notify.ApplicationSubmitted},
	application.Resubmit:     {notify.ApplicationSubmitted},
	application.Return:       {notify.ApplicationReturned},
	application.Approve:      {notify.ApplicationApproved},
	application.Nominate:     {notify.ApplicationNominated},
	application.HostAccept:   {notify.HostDecision, notify.OfferWaiting},
	application.Promote:      {notify.HostDecision, notify.OfferWaiting},
	application.HostReject:   {notify.HostDecision},
	application.HostWaitlist: {notify.HostDecision},
	application.Reject:       {notify.ApplicationRejected},
	application.Expire:       {notify.OfferExpired},
	application.Note:         {notify.ApplicationMessage}, // only notes meant for the student reach the outbox
}

// queueMailOf is the mail that tells the people whose turn it now is that
// an application arrived in their queue. Each gets it at once or in the
// daily digest, as they chose (notify.Event.Review).
var queueMailOf = map[application.Action]struct {
	kind  notify.Kind
	party application.Party
}{
	application.Submit:   {notify.ApplicationSubmitted, application.Reviewer},
	application.Resubmit: {notify.ApplicationSubmitted, application.Reviewer},
	application.Approve:  {notify.ApplicationApproved, application.Office},
}

// rotationMails are the mails a move of the incoming workflow sends its
// applicant.
var rotationMails = map[rotation.Action]notify.Kind{
	rotation.Return: notify.IncomingReturned,
	rotation.Reject: notify.IncomingRejected,
	rotation.Accept: notify.IncomingAccepted,
	// the certificate of completion is issued (issue 16)
	rotation.Complete: notify.IncomingCompleted,
}

// WorkflowOutbox is both workflows' workflow.Outbox: it enqueues the
// mails of a transition in the transaction of the transition.
type WorkflowOutbox struct{}

// Enqueue enqueues the mails of the transition kind ("application.<action>").
func (WorkflowOutbox) Enqueue(tx *gorm.DB, kind string, applicant int64, data map[string]any, link string) error {
	if move, ok := strings.CutPrefix(kind, "rotation."); ok {
		k, ok := rotationMails[rotation.Action(move)]
		if !ok {
			return nil
		}
		return notify.Enqueue(tx, notify.Event{Kind: k, RecipientUserID: applicant, Data: data, Link: link})
	}
	action := application.Action(strings.TrimPrefix(kind, "application."))
	for _, k := range mailsOf[action] {
		if err := notify.Enqueue(tx, notify.Event{Kind: k, RecipientUserID: applicant, Data: data, Link: link}); err != nil {
			return err
		}
	}
	q, ok := queueMailOf[action]
	if !ok {
		return nil
	}
	specialty, _ := data["specialty"].(string)
	people, err := application.Deciders(tx, q.party, specialty, applicant)
	if err != nil {
		return fmt.Errorf("who reviews: %w", err)
	}
	// The applicant's language chose the elective's title; reviewers read
	// the English one, which every elective has.
	rd := maps.Clone(data)
	rd[application.DataElective] = data[application.DataElectiveEN]
	for _, id := range people {
		if err := notify.Enqueue(tx, notify.Event{Kind: q.kind, RecipientUserID: id, Data: rd, Link: link, Review: true}); err != nil {
			return err
		}
	}
	return nil
}

// workflowDigest is the notifications' DigestSource over the workflow's
// queues.
type workflowDigest struct{ apps *application.Service }

// queueOf is the line of each party's queue in the digest.
var queueOf = map[application.Party]notify.Queue{
	application.Reviewer: {Label: "notify.queue.department_review", Link: "/review"},
	application.Office:   {Label: "notify.queue.office_review", Link: "/review"},
}

// Waiting returns what waits for each reviewer and member of the office.
func (w workflowDigest) Waiting(ctx context.Context, now time.Time) ([]notify.Waiting, error) {
	list, err := w.apps.WaitingForReview(ctx)
	if err != nil {
		return nil, err
	}
	var out []notify.Waiting
	at := map[int64]int{}
	for _, x := range list {
		q := queueOf[x.Party]
		q.Count = x.Count
		if !x.Oldest.IsZero() {
			q.Oldest = int(now.Sub(x.Oldest).Hours() / 24)
		}
		i, ok := at[x.UserID]
		if !ok {
			i = len(out)
			at[x.UserID] = i
			out = append(out, notify.Waiting{UserID: x.UserID})
		}
		out[i].Queues = append(out[i].Queues, q)
	}
	return out, nil
}

// Timing of the workflow's own moves.
const (
	// offerReminder is how long before an offer expires its applicant is
	// reminded, once.
	offerReminder = 48 * time.Hour
	// jobEvery is how often a replica expires offers and sends reminders.
	jobEvery = time.Minute
)

// workflowJobs are the moves nobody makes: expiring unanswered offers and
// reminding of those about to expire. Every replica may run them at once:
// an expiry is a versioned update that only one replica wins, and a
// reminder has a dedup key.
type workflowJobs struct {
	db   *db.DB
	apps *application.Service
}

// run expires the offers due at now and reminds of those expiring soon.
func (j workflowJobs) run(ctx context.Context, now time.Time) (expired, reminded int, err error) {
	if expired, err = j.apps.ExpireOffers(ctx, now); err != nil {
		return expired, 0, fmt.Errorf("expire offers: %w", err)
	}
	offers, err := j.apps.OffersExpiring(ctx, now, offerReminder)
	if err != nil {
		return expired, 0, fmt.Errorf("expiring offers: %w", err)
	}
	for _, o := range offers {
		e := notify.Event{
			Kind: notify.OfferExpiring, RecipientUserID: o.ApplicantID, Data: o.Data, Link: application.Link(o.ApplicationID),
			// One reminder per offer: an offer made again after a
			// promotion has another deadline, and its own reminder.
			DedupKey: fmt.Sprintf("offer_expiring:%d:%d", o.ApplicationID, o.ExpiresAt.Unix()),
		}
		err := j.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return notify.Enqueue(tx, e) })
		if err != nil {
			return expired, reminded, fmt.Errorf("offer reminder: %w", err)
		}
		reminded++
	}
	return expired, reminded, nil
}

// startWorkflowJobs runs the workflow's jobs on a replica with workers
// (PORTAL_WORKERS > 0), and returns what stops them.
func (a *App) startWorkflowJobs(ctx context.Context) (stop func()) {
	if a.Config.Workers <= 0 || a.Applications == nil {
		return noStop
	}
	j := workflowJobs{db: a.DB, apps: a.Applications}
	return every(ctx, jobEvery, counted("workflow jobs", "offers expired", func(ctx context.Context) (int, error) {
		n, _, err := j.run(ctx, time.Now())
		return n, err
	}))
}

// seedDemoApplications fills the workflow of a dev portal once with
// applications of the development provider's demo people, when it has the
// demo student, reviewer and office (tests that bring their own users get
// none).
func (a *App) seedDemoApplications(ctx context.Context, users []devoidc.User, files storage.Storage, bundle *i18n.Bundle) error {
	people := map[string]application.DemoPerson{}
	for _, u := range users {
		p := application.DemoPerson{Subject: u.Subject, Email: u.Email, Name: u.Name, Locale: u.Locale,
			// as a sign-in reads the provider's claims (top-level names only here)
			StudentNumber: auth.StudentNumber(u.Extra[a.Config.OIDCClaimStudentNumber]),
			YearOfStudy:   auth.YearOfStudy(u.Extra[a.Config.OIDCClaimYearOfStudy])}
		for _, g := range u.Groups {
			if r, ok := user.ParseRole(g); ok {
				p.Roles = append(p.Roles, r)
			}
		}
		people[u.Username] = p
	}
	student, ok1 := people["student"]
	reviewer, ok2 := people["reviewer"]
	office, ok3 := people["office"]
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	seeded, err := a.Applications.SeedDemo(ctx, application.Demo{
		Issuer: a.Config.OIDCIssuer, Files: files, Bundle: bundle,
		Student: student, Reviewer: reviewer, Office: office, Admin: people["admin"],
	})
	if err != nil {
		return err
	}
	if seeded {
		slog.Info("demo applications loaded")
	}
	return nil
}
