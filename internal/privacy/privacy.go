// Package privacy keeps a person's rights over their records under
// Taiwan's PDPA, the GDPR and FERPA (issue 18): the privacy notices they
// acknowledged, their consents to show health documents, the disclosure
// log of who else saw their records, the export of everything held about
// them, their requests to correct or delete, and retention by rule. It
// knows nothing of HTTP; the wallet asks it, through a document.Scope,
// whether a consent still allows an opening.
package privacy

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/storage"
	"portal/internal/user"
)

// Audit actions of privacy.
const (
	ActionNoticeAcknowledged = "privacy.notice_acknowledged"
	ActionConsentGiven       = "privacy.consent_given"
	ActionConsentRevoked     = "privacy.consent_revoked"
	ActionExported           = "privacy.exported"
	ActionRequested          = "privacy.requested"
	ActionRequestAnswered    = "privacy.request_answered"
	ActionErased             = "privacy.erased"
	ActionRetention          = "privacy.retention_run"
)

// HealthTypes are the document types that the PDPA (Art. 6) and the GDPR
// (Art. 9) treat as special: medical records need written consent. A
// background check (criminal record) is special under both as well.
var HealthTypes = []string{"immunization_record", "background_check"}

// IsHealth reports whether documents of type t need a consent to be shown.
func IsHealth(t string) bool { return slices.Contains(HealthTypes, t) }

// Recipient is who a consent lets see a health document.
type Recipient string

// The recipients a person consents to.
const (
	Reviewers Recipient = "reviewers" // department reviewers and host coordinators in scope
	Office    Recipient = "office"    // the international office
)

// Recipients in display order.
var Recipients = []Recipient{Reviewers, Office}

// Options tune a Service; the zero value is the production default.
type Options struct {
	Now  func() time.Time // the clock; time.Now when nil
	Zone clock.Zone       // deadlines end at the end of a local day
	// Store holds the documents' bytes: the export reads them, erasure
	// and retention delete them.
	Store storage.Storage
	// Rules overrides the default retention days per kind (the setting).
	Rules map[string]int
}

// Service runs privacy. Each method owns its transaction.
type Service struct {
	db    *db.DB
	now   func() time.Time
	zone  clock.Zone
	store storage.Storage
	rules map[string]int
	acked sync.Map // "uid/notice/version" acknowledged (Pending)
}

// NewService returns the privacy service on d.
func NewService(d *db.DB, o Options) *Service {
	s := &Service{db: d, now: o.Now, zone: o.Zone, store: o.Store, rules: o.Rules}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

var errNotFound = apperr.New(apperr.NotFound, "error.not_found")

// wrap passes coded errors through, turns a missing row into NotFound and
// codes anything else as internal.
func wrap(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return errNotFound
	}
	return apperr.Or(err, what)
}

// isOffice is whether u acts for the office (an admin may too).
func isOffice(u *user.User) bool { return u != nil && u.Has(user.Office, user.Admin) }

func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}
