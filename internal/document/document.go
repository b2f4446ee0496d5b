// Package document is the document wallet: a person's transcripts,
// immunization records, insurance certificates and the like, stored once and
// attached to many applications. It checks what is uploaded (content, not
// the name, decides what a file is), keeps versions while applications
// refer to them, decides who may open a document and records every opening
// by someone other than the owner, and answers what an elective's period
// still needs from a person's wallet.
package document

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/storage"
	"portal/internal/user"
)

// Audit actions of the wallet.
const (
	ActionUploaded = "document.uploaded"
	ActionReplaced = "document.replaced"
	ActionDeleted  = "document.deleted"
	ActionViewed   = "document.viewed" // opened by someone other than the owner
)

// DefaultMaxBytes is the upload limit when the configuration sets none.
const DefaultMaxBytes = 10 << 20

// ExpiringDays is how far ahead an expiry date makes a document "expiring".
const ExpiringDays = 60

// expiryRules lists the types that carry an expiry date, and whether the
// date must be given. A passport and an insurance certificate always print
// one, and a placement needs both valid; immunization records, language
// certificates and background checks sometimes do (a JLPT result never
// expires, a TB test does), so there the date is optional. The other types
// (transcript, CV, letters) do not expire and refuse a date.
var expiryRules = map[string]bool{
	"passport":             true,
	"insurance":            true,
	"immunization_record":  false,
	"language_certificate": false,
	"background_check":     false,
}

// Types are the document types a wallet holds, in display order.
func Types() []string { return catalog.DocumentTypes }

// HasExpiry reports whether documents of type t carry an expiry date.
func HasExpiry(t string) bool { _, ok := expiryRules[t]; return ok }

// ExpiryRequired reports whether a document of type t must state its expiry.
func ExpiryRequired(t string) bool { return expiryRules[t] }

// Document is one version of a document in a wallet.
type Document struct {
	ID           int64
	OwnerID      int64
	ChainID      int64 // the id of the first version; shared by all versions
	Version      int
	Type         string
	StorageKey   string
	FileName     string // normalised; safe to show and to offer as a download name
	MediaType    string // decided by content: application/pdf, image/jpeg or image/png
	Size         int64
	SHA256       string `gorm:"column:sha256"`
	ExpiresOn    *time.Time
	UploadedAt   time.Time
	SupersededAt *time.Time // set when a newer version replaced this one
	DeletedAt    *time.Time
}

// TableName is the table of document versions.
func (Document) TableName() string { return "documents" }

// Status is how a document stands on a given day.
type Status string

// The statuses of a document.
const (
	Valid    Status = "valid"
	Expiring Status = "expiring" // expires within ExpiringDays
	Expired  Status = "expired"
)

// StatusOn says whether d is valid, expiring or expired on day today.
func (d Document) StatusOn(today time.Time) Status {
	if d.ExpiresOn == nil {
		return Valid
	}
	exp, today := catalog.Day(*d.ExpiresOn), catalog.Day(today)
	switch {
	case exp.Before(today):
		return Expired
	case !exp.After(today.AddDate(0, 0, ExpiringDays)):
		return Expiring
	}
	return Valid
}

// validOn reports whether d has not expired on day (a document is valid
// through its expiry date).
func (d Document) validOn(day time.Time) bool {
	return d.ExpiresOn == nil || !catalog.Day(*d.ExpiresOn).Before(catalog.Day(day))
}

type attachment struct {
	DocumentID    int64
	ApplicationID int64
	AttachedAt    time.Time
}

func (attachment) TableName() string { return "document_attachments" }

// Scope answers whether reader, who does not own doc, may open it because
// doc is attached to an application in the reader's scope (a reviewer's
// departments, the office's everything). It runs inside the transaction
// that records the opening.
type Scope func(ctx context.Context, tx *gorm.DB, reader *user.User, doc *Document) (bool, error)

// NoScope lets nobody but the owner open a document. It is the scope until
// applications exist: no document can be attached to an application in
// anyone's scope before there are applications.
func NoScope(context.Context, *gorm.DB, *user.User, *Document) (bool, error) { return false, nil }

// Options tune a Service; the zero value is the production default.
type Options struct {
	MaxBytes int64            // upload limit; DefaultMaxBytes when zero
	Now      func() time.Time // the clock; time.Now when nil
	Scope    Scope            // who else may open a document; NoScope when nil
	// Zone is the portal's time zone: a document expires at the end of
	// its expiry date there, not in UTC. UTC when zero.
	Zone clock.Zone
	// Refused hears of an opening the scope refused with an error (a
	// revoked consent), after its transaction, to log the attempt.
	Refused func(ctx context.Context, err error)
}

// Service runs the wallet. Each method owns its transaction; files go to
// the storage before their row is written and are removed when the row is
// not, so that the table never names a file that does not exist.
type Service struct {
	db    *db.DB
	store storage.Storage
	max   int64
	now   func() time.Time
	scope Scope
	zone  clock.Zone
	// refused: Options.Refused
	refused func(context.Context, error)
}

// NewService returns the wallet on d and st.
func NewService(d *db.DB, st storage.Storage, o Options) *Service {
	s := &Service{db: d, store: st, max: o.MaxBytes, now: o.Now, scope: o.Scope, zone: o.Zone, refused: o.Refused}
	if s.max <= 0 {
		s.max = DefaultMaxBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.scope == nil {
		s.scope = NoScope
	}
	return s
}

// MaxBytes is the largest file the wallet accepts.
func (s *Service) MaxBytes() int64 { return s.max }

// today is the portal's calendar day now (midnight UTC of the local
// date, as expiry dates are kept): what is valid, expiring or expired.
func (s *Service) today() time.Time { return s.zone.Day(s.now()) }

// Today is the wallet's calendar day, for pages that show a document's
// status by the same day as the service's rules.
func (s *Service) Today() time.Time { return s.today() }

var errNotFound = apperr.New(apperr.NotFound, "error.not_found")

// forget removes stored files whose rows are gone or were never written. It
// runs after the transaction, on a context that outlives the request: a
// client that goes away must not leave its file behind.
func (s *Service) forget(ctx context.Context, keys ...string) {
	ctx = context.WithoutCancel(ctx)
	for _, k := range keys {
		if err := s.store.Delete(ctx, k); err != nil {
			slog.Error("delete stored document", "key", k, "err", err)
		}
	}
}

func lockRow() clause.Expression { return db.ForUpdate() }

// wrap passes coded errors through, turns a missing row into NotFound and
// codes anything else as internal.
func wrap(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return errNotFound
	}
	return apperr.Or(err, what)
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }
