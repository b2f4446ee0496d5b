// Package p2p lets two portals of this kind exchange a nomination and its
// answer (issue 15, docs/p2p.md): the office of each trusts the other's
// portal for one partner institution by its Ed25519 public key; a
// nomination to that partner goes to its portal as a signed request and
// becomes an incoming rotation request there; the partner's decision
// comes back signed and is recorded as the host's answer. Messages leave
// through a table of jobs written in the move's transaction and sent
// after it, with retries.
package p2p

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/document"
	"portal/internal/host"
	"portal/internal/rotation"
	"portal/internal/user"
)

// Codes of the refusals a receiving portal answers with (JSON "code").
const (
	ErrUnknownKey = "p2p.unknown_key"
	ErrSignature  = "p2p.bad_signature"
	ErrTimestamp  = "p2p.bad_timestamp"
	ErrReplay     = "p2p.replay"
	ErrMessage    = "p2p.bad_message"
	ErrDepartment = "p2p.no_department"
	ErrDocuments  = "p2p.documents_missing"
	ErrNotSent    = "p2p.not_sent"
	ErrAnswered   = "p2p.already_answered"
)

// ViaPrefix starts the Via of an answer a partner's portal sent, before
// the partner institution's name, so the timeline can say so.
const ViaPrefix = "portal:"

// Paths of the receiving endpoints.
const (
	PathNominations = "/p2p/v1/nominations"
	PathDecisions   = "/p2p/v1/decisions"
)

// Key is this portal's own key pair, one row. It is kept in the database
// rather than the data dir: every replica must sign with the same key, and
// the data dir is per replica (or an object store) while the database is
// shared and backed up with the trust the partners gave its public half.
type Key struct {
	ID         int64
	PublicKey  string
	PrivateKey string
	CreatedAt  time.Time
}

// TableName is the table of the own key.
func (Key) TableName() string { return "p2p_keys" }

// Partner is a partner institution's portal that the office trusts.
type Partner struct {
	ID            int64
	InstitutionID int64
	BaseURL       string
	PublicKey     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName is the table of trusted partner portals.
func (Partner) TableName() string { return "p2p_partners" }

// Options tune a Service.
type Options struct {
	Now func() time.Time
	// Client sends the messages; a 20 s timeout when nil.
	Client *http.Client
	// BaseURL is this portal's, naming the people partner portals send.
	BaseURL string
}

// Service is both ends of the exchange.
type Service struct {
	db        *db.DB
	apps      *application.Service
	host      *host.Service
	rotations *rotation.Service
	docs      *document.Service
	users     *user.Store
	now       func() time.Time
	client    *http.Client
}

// NewService returns the exchange over d and the services it moves.
func NewService(d *db.DB, apps *application.Service, h *host.Service, r *rotation.Service, docs *document.Service, users *user.Store, o Options) *Service {
	s := &Service{db: d, apps: apps, host: h, rotations: r, docs: docs, users: users, now: o.Now, client: o.Client}
	if s.now == nil {
		s.now = time.Now
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 20 * time.Second}
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC() }

func office(u *user.User) error {
	if u == nil || !u.Has(application.PartyRoles[application.Office]...) {
		return apperr.New(apperr.Forbidden, "p2p.err.office_only")
	}
	return nil
}

// ownKey returns the portal's key pair, made on first use. Two replicas
// making it at once: the first row wins for both (ORDER BY id).
func (s *Service) ownKey(ctx context.Context) (ed25519.PrivateKey, string, error) {
	var keys []Key
	tx := s.db.WithContext(ctx)
	if err := tx.Order("id").Limit(1).Find(&keys).Error; err != nil {
		return nil, "", err
	}
	if len(keys) == 0 {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, "", err
		}
		k := Key{PublicKey: base64.StdEncoding.EncodeToString(pub), PrivateKey: base64.StdEncoding.EncodeToString(priv.Seed()), CreatedAt: s.clock()}
		if err := tx.Create(&k).Error; err != nil {
			return nil, "", err
		}
		if err := tx.Order("id").Limit(1).Find(&keys).Error; err != nil {
			return nil, "", err
		}
	}
	seed, err := base64.StdEncoding.DecodeString(keys[0].PrivateKey)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, "", errors.New("p2p: the stored key is damaged")
	}
	return ed25519.NewKeyFromSeed(seed), keys[0].PublicKey, nil
}

// PublicKey is this portal's public key, for the office to give partners.
func (s *Service) PublicKey(ctx context.Context, u *user.User) (string, error) {
	if err := office(u); err != nil {
		return "", err
	}
	_, pub, err := s.ownKey(ctx)
	return pub, wrap(err, "own key")
}

// PartnerRow is a trusted partner portal with its institution's name.
type PartnerRow struct {
	Partner
	Institution string
}

// Partners lists the trusted partner portals.
func (s *Service) Partners(ctx context.Context, u *user.User) ([]PartnerRow, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	var out []PartnerRow
	err := s.db.WithContext(ctx).Table("p2p_partners p").Select("p.*, i.name_en AS institution").
		Joins("JOIN institutions i ON i.id = p.institution_id").Order("i.name_en").Scan(&out).Error
	return out, wrap(err, "list partner portals")
}

// TrustInput is the office's form: which partner, its portal, its key.
type TrustInput struct {
	InstitutionID int64
	BaseURL       string
	PublicKey     string
}

// Trust registers (or replaces) the portal of a partner institution; bad
// input is refused per field and changes nothing. Audited.
func (s *Service) Trust(ctx context.Context, u *user.User, in TrustInput, m audit.Meta) (*Partner, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	in.BaseURL = strings.TrimRight(strings.TrimSpace(in.BaseURL), "/")
	in.PublicKey = strings.TrimSpace(in.PublicKey)
	f := apperr.Fields{}
	if in.InstitutionID == 0 {
		f.Add("institution_id", "form.required")
	}
	if p, err := url.Parse(in.BaseURL); in.BaseURL == "" {
		f.Add("base_url", "form.required")
	} else if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.RawQuery != "" {
		f.Add("base_url", "p2p.err.base_url")
	}
	if k, err := base64.StdEncoding.DecodeString(in.PublicKey); in.PublicKey == "" {
		f.Add("public_key", "form.required")
	} else if err != nil || len(k) != ed25519.PublicKeySize {
		f.Add("public_key", "p2p.err.public_key")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.clock()
	var p Partner
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("institutions").Where("id = ? AND NOT is_home AND retired_at IS NULL", in.InstitutionID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			f.Add("institution_id", "form.not_a_choice")
			return f.Err()
		}
		if err := tx.Model(&Partner{}).Where("public_key = ? AND institution_id <> ?", in.PublicKey, in.InstitutionID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			f.Add("public_key", "p2p.err.key_taken")
			return f.Err()
		}
		err := tx.Where("institution_id = ?", in.InstitutionID).Take(&p).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			p = Partner{InstitutionID: in.InstitutionID, BaseURL: in.BaseURL, PublicKey: in.PublicKey, CreatedAt: now, UpdatedAt: now}
			err = tx.Create(&p).Error
		case err == nil:
			p.BaseURL, p.PublicKey, p.UpdatedAt = in.BaseURL, in.PublicKey, now
			err = tx.Save(&p).Error
		}
		if err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, &u.ID, "p2p.trust", m,
			map[string]any{"partner": p.ID, "institution": p.InstitutionID, "base_url": p.BaseURL, "public_key": p.PublicKey}))
	})
	if err != nil {
		return nil, wrap(err, "trust partner portal")
	}
	return &p, nil
}

// Distrust removes the partner portal of institution id. Audited.
func (s *Service) Distrust(ctx context.Context, u *user.User, id int64, m audit.Meta) error {
	if err := office(u); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Its messages waiting are dropped with it: nothing is sent to a
		// portal no longer trusted.
		res := tx.Model(&job{}).Where("partner_id = ? AND sent_at IS NULL AND failed_at IS NULL", id).
			Updates(map[string]any{"failed_at": s.clock(), "last_error": "partner no longer trusted"})
		if res.Error != nil {
			return res.Error
		}
		res = tx.Model(&Partner{}).Where("id = ?", id).Update("public_key", "revoked:"+randomHex())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.NotFound, "p2p.err.not_found")
		}
		return audit.Write(tx, audit.New(s.clock(), &u.ID, "p2p.distrust", m, map[string]any{"partner": id}))
	})
	return wrap(err, "distrust partner portal")
}

// wrap passes coded errors through and codes anything else as internal.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.New(apperr.NotFound, "p2p.err.not_found")
	}
	return apperr.Internalf("%s: %w", what, err)
}

// Choice is a partner institution the office may trust a portal for.
type Choice struct {
	ID     int64
	NameEN string
}

// Institutions lists the live partner institutions, for the office's form.
func (s *Service) Institutions(ctx context.Context, u *user.User) ([]Choice, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	var out []Choice
	err := s.db.WithContext(ctx).Table("institutions").Select("id, name_en").
		Where("NOT is_home AND retired_at IS NULL").Order("name_en").Scan(&out).Error
	return out, wrap(err, "list partners")
}

// Message is one message to a partner portal as the office sees it.
type Message struct {
	Institution string
	Path        string
	Attempts    int
	CreatedAt   time.Time
	SentAt      *time.Time
	FailedAt    *time.Time
	LastError   string
}

// Messages lists the newest messages to partner portals, so that the
// office sees one given up, and sends it by hand.
func (s *Service) Messages(ctx context.Context, u *user.User) ([]Message, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	var out []Message
	err := s.db.WithContext(ctx).Table("p2p_jobs j").
		Select("i.name_en AS institution, j.path, j.attempts, j.created_at, j.sent_at, j.failed_at, j.last_error").
		Joins("JOIN p2p_partners p ON p.id = j.partner_id").Joins("JOIN institutions i ON i.id = p.institution_id").
		Order("j.id DESC").Limit(50).Scan(&out).Error
	return out, wrap(err, "list partner messages")
}
