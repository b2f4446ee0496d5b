// Package notify tells people what happened to them: a mail in their
// language and a notification under the portal's bell. Domain packages call
// Enqueue inside the transaction of the change that causes the event, so the
// event exists exactly when the change does; workers on every replica then
// share the outbox through the database and send each mail once, retrying
// through mail server outages.
package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
)

// Kind is what happened; each kind has a mail template and a message.
type Kind string

// The kinds of event. The producers of most live in the application
// workflows (a later issue); the portal already produces none but the
// digest, which finds nothing until applications exist.
const (
	ApplicationSubmitted Kind = "application_submitted"
	ApplicationReturned  Kind = "application_returned"
	ApplicationApproved  Kind = "application_approved" // at a stage
	ApplicationNominated Kind = "application_nominated"
	ApplicationRejected  Kind = "application_rejected"
	ApplicationMessage   Kind = "application_message" // a reviewer or the office wrote to the student
	HostDecision         Kind = "host_decision"
	OfferWaiting         Kind = "offer_waiting"
	OfferExpiring        Kind = "offer_expiring"
	OfferExpired         Kind = "offer_expired" // nobody answered: the seat went back
	IncomingAccepted     Kind = "incoming_accepted"
	IncomingReturned     Kind = "incoming_returned" // a rotation request sent back for changes
	IncomingRejected     Kind = "incoming_rejected"
	DocumentExpiring     Kind = "document_expiring" // before a placement
	SigninLink           Kind = "signin_link"
	ReviewerDigest       Kind = "reviewer_digest"
	// watch: a starred elective's application window (internal/watch).
	WatchWindowOpen    Kind = "watch_window_open"
	WatchWindowClosing Kind = "watch_window_closing" // seven days before, while not applied
	WatchSearchNew     Kind = "watch_search_new"     // a saved search found new electives
	// host: a nomination's dossier link to the host contact, and its reminder (internal/host).
	HostNomination     Kind = "host_nomination"
	HostReminder       Kind = "host_reminder"
	HostBatch          Kind = "host_batch"          // one link for all of a host's pending nominees of a round
	HostBatchReminder  Kind = "host_batch_reminder" // a new batch link for the nominees still waiting a week on
	ScholarshipAwarded Kind = "scholarship_awarded" // a funding call awarded a student (internal/scholarship)
	// evaluation: after an outgoing placement (internal/evaluation).
	EvaluationReportReminder Kind = "evaluation_report_reminder"
	EvaluationReportReceived Kind = "evaluation_report_received"
	EvaluationRecognised     Kind = "evaluation_recognised"
	MentorIntroduction       Kind = "mentor_introduction"      // a mentor and an incoming student are introduced (internal/mentor)
	RoundSeatOffer           Kind = "round_seat_offer"         // a freed seat offered to a round's waitlisted student (internal/selection)
	RoundSeatOfferExpired    Kind = "round_seat_offer_expired" // that offer lapsed unanswered and went to the next student
	AgreementExpiring        Kind = "agreement_expiring"       // to the office, 180, 90 and 30 days before (internal/report)

	// selection: the office answered a student's appeal of their round score (internal/selection).
	SelectionAppealAnswered Kind = "selection_appeal_answered"

	// the close of an incoming rotation (internal/rotation/assessment.go).
	IncomingEvaluated          Kind = "incoming_evaluated"           // to the student: the department's evaluation is in
	IncomingCompleted          Kind = "incoming_completed"           // to the student: the certificate is issued
	IncomingEvaluationHome     Kind = "incoming_evaluation_home"     // to the home school: the evaluation's link
	IncomingDepartmentReviewed Kind = "incoming_department_reviewed" // to the coordinators: the student's review
	IncomingSupervisorLink     Kind = "incoming_supervisor_link"     // to a supervisor: the close's form
	IncomingMidterm            Kind = "incoming_midterm"             // to the student: mid-rotation feedback
	IncomingCloseReminder      Kind = "incoming_close_reminder"      // to the coordinators: a close still missing a week after the last day

	// evaluation: the host supervisor's link to evaluate the student, and its one reminder.
	HostEvaluationRequest  Kind = "host_evaluation_request"
	HostEvaluationReminder Kind = "host_evaluation_reminder"
)

// spec is what the portal knows of a kind.
type spec struct {
	// Mandatory kinds are mailed whatever the person's preferences: a
	// sign-in link, a decision, a request to act.
	Mandatory bool
	// InPortal kinds also show under the bell of a recipient who has an
	// account. Sign-in links do not (their link is a secret), nor the
	// digest (the queues themselves are in the portal).
	InPortal bool
	// Secret kinds have their data and link wiped once the mail is sent.
	Secret bool
	// Args are the data keys that fill the subject and the notification
	// title, in order. "key@prefix" shows the message prefix+"."+value
	// instead of the value (a stage or a decision is a code); a key named
	// *_at is an instant, shown in the portal's zone with the zone said.
	Args []string
}

// kinds is the one table of kinds: which are mandatory is data, here.
var kinds = map[Kind]spec{
	ApplicationSubmitted: {InPortal: true, Args: []string{"ref", "elective"}},
	ApplicationReturned:  {Mandatory: true, InPortal: true, Args: []string{"ref", "elective"}},
	ApplicationApproved:  {InPortal: true, Args: []string{"ref", "stage@notify.stage"}},
	ApplicationNominated: {InPortal: true, Args: []string{"ref", "host"}},
	ApplicationRejected:  {Mandatory: true, InPortal: true, Args: []string{"ref", "elective"}},
	ApplicationMessage:   {InPortal: true, Args: []string{"ref", "elective"}},
	HostDecision:         {Mandatory: true, InPortal: true, Args: []string{"host", "decision@notify.decision", "ref"}},
	OfferWaiting:         {Mandatory: true, InPortal: true, Args: []string{"host", "ref"}},
	OfferExpiring:        {Mandatory: true, InPortal: true, Args: []string{"ref", "deadline_at"}},
	OfferExpired:         {Mandatory: true, InPortal: true, Args: []string{"ref", "host"}},
	IncomingAccepted:     {Mandatory: true, InPortal: true, Args: []string{"department", "ref"}},
	IncomingReturned:     {Mandatory: true, InPortal: true, Args: []string{"ref", "department"}},
	IncomingRejected:     {Mandatory: true, InPortal: true, Args: []string{"ref", "department"}},
	DocumentExpiring:     {InPortal: true, Args: []string{"document@doc", "expires"}},
	SigninLink:           {Mandatory: true, Secret: true},
	ReviewerDigest:       {Mandatory: true, Args: []string{"total"}},
	// watch:
	WatchWindowOpen:    {InPortal: true, Args: []string{"elective", "deadline"}},
	WatchWindowClosing: {InPortal: true, Args: []string{"elective", "deadline"}},
	WatchSearchNew:     {InPortal: true, Args: []string{"search", "count"}},
	// host: the link is a secret, wiped once the mail is sent.
	HostNomination:     {Mandatory: true, Secret: true, Args: []string{"applicant", "ref"}},
	HostReminder:       {Mandatory: true, Secret: true, Args: []string{"applicant", "ref"}},
	HostBatch:          {Mandatory: true, Secret: true, Args: []string{"host", "count"}},
	HostBatchReminder:  {Mandatory: true, Secret: true, Args: []string{"host", "count"}},
	ScholarshipAwarded: {Mandatory: true, InPortal: true, Args: []string{"funding", "amount"}},
	// evaluation:
	EvaluationReportReminder: {Mandatory: true, InPortal: true, Args: []string{"ref", "host"}},
	EvaluationReportReceived: {InPortal: true, Args: []string{"ref", "host"}},
	EvaluationRecognised:     {Mandatory: true, InPortal: true, Args: []string{"ref", "course"}},
	MentorIntroduction:       {Mandatory: true, InPortal: true, Args: []string{"other", "department"}},
	RoundSeatOffer:           {Mandatory: true, InPortal: true, Args: []string{"host", "deadline_at"}},
	RoundSeatOfferExpired:    {Mandatory: true, InPortal: true, Args: []string{"host"}},
	AgreementExpiring:        {Mandatory: true, InPortal: true, Args: []string{"institution", "days"}},

	// selection:
	SelectionAppealAnswered: {Mandatory: true, InPortal: true, Args: []string{"round", "answer@selection_appeal.answer"}},

	// the close of an incoming rotation; the home school's link is a secret.
	IncomingEvaluated:          {Mandatory: true, InPortal: true, Args: []string{"ref", "department"}},
	IncomingCompleted:          {Mandatory: true, InPortal: true, Args: []string{"ref", "department"}},
	IncomingEvaluationHome:     {Mandatory: true, Secret: true, Args: []string{"applicant", "department"}},
	IncomingDepartmentReviewed: {InPortal: true, Args: []string{"ref", "department"}},
	IncomingSupervisorLink:     {Mandatory: true, Secret: true, Args: []string{"applicant", "department"}},
	IncomingMidterm:            {InPortal: true, Args: []string{"ref", "department"}},
	IncomingCloseReminder:      {InPortal: true, Args: []string{"ref", "department"}},

	// the supervisor's evaluation link is a secret, wiped once the mail is sent.
	HostEvaluationRequest:  {Mandatory: true, Secret: true, Args: []string{"applicant", "ref"}},
	HostEvaluationReminder: {Mandatory: true, Secret: true, Args: []string{"applicant", "ref"}},
}

// Kinds lists every kind in the order the preferences page shows them.
var Kinds = []Kind{
	ApplicationSubmitted, ApplicationReturned, ApplicationApproved, ApplicationNominated, ApplicationRejected, ApplicationMessage,
	HostDecision, OfferWaiting, OfferExpiring, OfferExpired, IncomingAccepted, IncomingReturned, IncomingRejected,
	DocumentExpiring,
	SigninLink, ReviewerDigest,
	WatchWindowOpen, WatchWindowClosing, WatchSearchNew, // watch
	HostNomination, HostReminder, HostBatch, HostBatchReminder, // host
	ScholarshipAwarded,                                                       // scholarships
	EvaluationReportReminder, EvaluationReportReceived, EvaluationRecognised, // evaluation
	MentorIntroduction,                    // mentors
	RoundSeatOffer, RoundSeatOfferExpired, // selection rounds
	AgreementExpiring, // reports

	SelectionAppealAnswered, // selection rounds

	// rotation close
	IncomingEvaluated, IncomingCompleted, IncomingEvaluationHome, IncomingDepartmentReviewed, IncomingSupervisorLink, IncomingMidterm,
	IncomingCloseReminder,

	// evaluation: host supervisors
	HostEvaluationRequest, HostEvaluationReminder,
}

// Mandatory reports whether mails of kind k are sent whatever the
// recipient's preferences.
func Mandatory(k Kind) bool { return kinds[k].Mandatory }

// Optional lists the kinds a person may stop receiving by mail.
func Optional() []Kind {
	var out []Kind
	for _, k := range Kinds {
		if !kinds[k].Mandatory {
			out = append(out, k)
		}
	}
	return out
}

// Event is something that happened to one person. Exactly one of
// RecipientUserID and RecipientEmail is needed: an incoming applicant asking
// for a sign-in link has no account yet.
type Event struct {
	Kind            Kind
	RecipientUserID int64
	RecipientEmail  string
	// Lang is the language of a mail to RecipientEmail; a user's own
	// language (users.locale) wins. English when empty.
	Lang string
	// Data fills the templates: strings, numbers, dates as text. Values
	// that are codes (a stage, a decision, a document type) are translated
	// by the templates.
	Data map[string]any
	// Link is a path on the portal (/applications/12); mails carry
	// BaseURL+Link.
	Link string
	// DedupKey, when set, makes enqueuing idempotent: a second event with
	// the same key is dropped, in the portal as in the mail.
	DedupKey string
	// Review marks an event that tells a reviewer something waits in a
	// queue: reviewers who chose the daily digest get it there, not now.
	Review bool
}

// Outbox statuses.
const (
	StatusPending = "pending"
	StatusSending = "sending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
	StatusSkipped = "skipped" // no mail by preference; the notification stays
)

// outboxRow is a row of the outbox table.
type outboxRow struct {
	ID              int64
	Kind            Kind
	RecipientUserID *int64
	RecipientEmail  string
	Lang            string
	Data            string
	Link            string
	Review          bool
	DedupKey        *string
	Status          string
	Attempts        int
	NextAttemptAt   time.Time
	LockedUntil     *time.Time
	LastError       string
	CreatedAt       time.Time
	SentAt          *time.Time
}

func (outboxRow) TableName() string { return "outbox" }

// notification is a row of the notifications table.
type notification struct {
	ID        int64
	UserID    int64
	Kind      Kind
	TitleKey  string
	Data      string
	Link      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

func (notification) TableName() string { return "notifications" }

// Enqueue records e in the outbox, and under the recipient's bell, within
// tx: call it inside the transaction of the change that causes the event,
// so that both commit or neither does. With a DedupKey already used it does
// nothing and returns nil.
func Enqueue(tx *gorm.DB, e Event) error {
	return enqueue(tx, e, time.Now())
}

func enqueue(tx *gorm.DB, e Event, now time.Time) error {
	sp, ok := kinds[e.Kind]
	if !ok {
		return apperr.Internalf("notify: unknown kind %q", e.Kind)
	}
	if (e.RecipientUserID == 0) == (strings.TrimSpace(e.RecipientEmail) == "") {
		return apperr.Internalf("notify: %s needs exactly one of a user and an address", e.Kind)
	}
	if e.Link != "" && (!strings.HasPrefix(e.Link, "/") || strings.HasPrefix(e.Link, "//") || strings.ContainsAny(e.Link, "\r\n\\")) {
		return apperr.Internalf("notify: link %q is not a path on the portal", e.Link)
	}
	data, err := json.Marshal(e.Data)
	if err != nil {
		return apperr.Internalf("notify: data of %s: %w", e.Kind, err)
	}
	if e.Data == nil {
		data = []byte("{}")
	}
	now = now.UTC()
	row := outboxRow{
		Kind: e.Kind, RecipientEmail: strings.TrimSpace(e.RecipientEmail), Lang: e.Lang,
		Data: string(data), Link: e.Link, Review: e.Review, Status: StatusPending,
		NextAttemptAt: now, CreatedAt: now,
	}
	if e.RecipientUserID != 0 {
		row.RecipientUserID = &e.RecipientUserID
	}
	if e.DedupKey != "" {
		row.DedupKey = &e.DedupKey
	}
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedup_key"}}, DoNothing: true}).Create(&row)
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
			return apperr.Internalf("notify: %s for unknown user %d: %w", e.Kind, e.RecipientUserID, res.Error)
		}
		return apperr.Internalf("notify: enqueue %s: %w", e.Kind, res.Error)
	}
	if res.RowsAffected == 0 || e.RecipientUserID == 0 || !sp.InPortal {
		return nil // a duplicate, or nothing to show under a bell
	}
	n := notification{
		UserID: e.RecipientUserID, Kind: e.Kind, TitleKey: titleKey(e.Kind),
		Data: string(data), Link: e.Link, CreatedAt: now,
	}
	if err := tx.Create(&n).Error; err != nil {
		return apperr.Internalf("notify: notification %s: %w", e.Kind, err)
	}
	return nil
}

func titleKey(k Kind) string   { return fmt.Sprintf("notify.%s.title", k) }
func subjectKey(k Kind) string { return fmt.Sprintf("notify.%s.subject", k) }
