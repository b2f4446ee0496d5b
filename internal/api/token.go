// Package api keeps what the portal's JSON API needs beyond the domain
// services it calls (issue 15): personal API tokens, which act as their
// owner with the owner's roles (narrowed to reading when the scope is
// read), stored only as a hash, expiring, revocable, every use audited;
// and the per-token rate limit. It knows nothing of HTTP.
package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/user"
)

// Scope is what a token may do.
type Scope string

// The scopes: read is GET only; write also the workflow's POSTs.
const (
	Read  Scope = "read"
	Write Scope = "write"
)

// Prefix starts every token, so that a leaked one is recognisable by
// secret scanners and in logs.
const Prefix = "ptk_"

// MaxDays is the longest a token may live.
const MaxDays = 365

// Token is one personal API token; its secret is never stored.
type Token struct {
	ID         int64
	UserID     int64
	Name       string
	Scope      Scope
	TokenHash  string `json:"-"`
	CreatedBy  int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// TableName is the table of tokens.
func (Token) TableName() string { return "api_tokens" }

// Active reports whether the token still opens the API at now.
func (t Token) Active(now time.Time) bool { return t.RevokedAt == nil && now.Before(t.ExpiresAt) }

// Options are what the portal sets; tests set Now.
type Options struct {
	Now func() time.Time
	// Rate and Burst are the per-token limit: Burst requests at once,
	// then Rate a second; 5 and 60 when zero.
	Rate, Burst float64
}

// Service makes, checks and revokes tokens.
type Service struct {
	db    *db.DB
	users *user.Store
	o     Options
	limit *Limiter
}

// NewService returns the service over d.
func NewService(d *db.DB, users *user.Store, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rate == 0 {
		o.Rate = 5
	}
	if o.Burst == 0 {
		o.Burst = 60
	}
	return &Service{db: d, users: users, o: o, limit: NewLimiter(o.Rate, o.Burst)}
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }

// hash is how a token is kept: SHA-256 suffices for a random 256-bit
// secret, which no dictionary holds.
func hash(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// CreateInput is the form of a new token.
type CreateInput struct {
	Name  string
	Scope string
	Days  int
}

// Issuer says who may make tokens: the office and admins, for themselves
// on the page (and anyone's from the command line, where by is nil).
func issuer(u *user.User) error {
	if u == nil || !u.Has(user.Office, user.Admin) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}

// Create makes a token for owner and returns its secret, shown once. by is
// who makes it: owner themselves on the page (office or admin), nil from
// the command line.
func (s *Service) Create(ctx context.Context, by *user.User, owner int64, in CreateInput, m audit.Meta) (string, *Token, error) {
	if by != nil {
		if err := issuer(by); err != nil {
			return "", nil, err
		}
		owner = by.ID
	}
	fs := apperr.Fields{}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		fs.Add("name", "form.required")
	} else if len([]rune(name)) > 100 {
		fs.Add("name", "api.token.name_long")
	}
	scope := Scope(in.Scope)
	if scope != Read && scope != Write {
		fs.Add("scope", "api.token.scope_bad")
	}
	if in.Days < 1 || in.Days > MaxDays {
		fs.Add("days", "api.token.days_bad", MaxDays)
	}
	if err := fs.Err(); err != nil {
		return "", nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", nil, apperr.Internalf("token secret: %w", err)
	}
	plain := Prefix + base64.RawURLEncoding.EncodeToString(secret)
	now := s.now()
	t := Token{UserID: owner, Name: name, Scope: scope, TokenHash: hash(plain), CreatedBy: owner, CreatedAt: now, ExpiresAt: now.AddDate(0, 0, in.Days)}
	if by != nil {
		t.CreatedBy = by.ID
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		var actor *int64
		if by != nil {
			actor = &by.ID
		}
		return audit.Write(tx, audit.New(now, actor, "api.token.create", m,
			map[string]any{"name": name, "scope": string(scope), "owner": owner, "expires": t.ExpiresAt}).On("api_token", t.ID))
	})
	if err != nil {
		return "", nil, apperr.Or(err, "api: create token")
	}
	return plain, &t, nil
}

// CreateFor makes a token from the command line for the person named
// login (their sign-in subject or e-mail).
func (s *Service) CreateFor(ctx context.Context, login string, in CreateInput) (string, *Token, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Table("users").Where("subject = ? OR lower(email) = lower(?)", login, login).Order("id").Limit(2).Pluck("id", &ids).Error
	if err != nil {
		return "", nil, apperr.Or(err, "api: find user")
	}
	if len(ids) != 1 {
		return "", nil, apperr.New(apperr.NotFound, "api.token.no_user", login)
	}
	return s.Create(ctx, nil, ids[0], in, audit.Meta{})
}

// Mine lists u's tokens, newest first.
func (s *Service) Mine(ctx context.Context, u *user.User) ([]Token, error) {
	if err := issuer(u); err != nil {
		return nil, err
	}
	var out []Token
	err := s.db.WithContext(ctx).Where("user_id = ?", u.ID).Order("id DESC").Find(&out).Error
	return out, apperr.Or(err, "api: list tokens")
}

// Revoke ends u's token id at once; another person's token is not found.
func (s *Service) Revoke(ctx context.Context, u *user.User, id int64, m audit.Meta) error {
	if err := issuer(u); err != nil {
		return err
	}
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r := tx.Model(&Token{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", id, u.ID).Update("revoked_at", now)
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		return audit.Write(tx, audit.New(now, &u.ID, "api.token.revoke", m, nil).On("api_token", id))
	})
	return apperr.Or(err, "api: revoke token")
}

// errUnauthorized is every failed token: missing, unknown, expired or
// revoked look the same to the caller.
var errUnauthorized = apperr.New(apperr.Unauthorized, "api.token.invalid")

// Use checks the bearer token plain for a request and returns its owner
// and scope; the use is audited (method and path) with its last-used time,
// in one transaction.
func (s *Service) Use(ctx context.Context, plain, method, path string, m audit.Meta) (*user.User, *Token, error) {
	if !strings.HasPrefix(plain, Prefix) {
		return nil, nil, errUnauthorized
	}
	now := s.now()
	var t Token
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("token_hash = ?", hash(plain)).Take(&t).Error; err != nil {
			return err
		}
		if !t.Active(now) {
			return errUnauthorized
		}
		if err := tx.Model(&Token{}).Where("id = ?", t.ID).Update("last_used_at", now).Error; err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, &t.UserID, "api.token.use", m, map[string]any{"method": method, "path": path}).On("api_token", t.ID))
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, errUnauthorized
	}
	if err != nil {
		return nil, nil, apperr.Or(err, "api: use token")
	}
	u, err := s.users.Find(ctx, t.UserID)
	if err != nil {
		return nil, nil, err
	}
	return u, &t, nil
}

// Allow takes one request from token id's rate limit.
func (s *Service) Allow(id int64) (bool, time.Duration) { return s.limit.Allow(id, s.now()) }

// Live reports whether t still opens the API now.
func (s *Service) Live(t Token) bool { return t.Active(s.now()) }
