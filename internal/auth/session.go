package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/user"
)

// Session is a server-side session. The browser holds only a random id; the
// database holds its SHA-256, so a leaked table cannot be replayed as cookies.
type Session struct {
	IDHash     string `gorm:"primaryKey"`
	UserID     *int64
	Data       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time

	data SessionData `gorm:"-"`
}

// SessionData is what a session remembers besides its user.
type SessionData struct {
	// IDToken is kept as the hint for the provider's end-session endpoint.
	IDToken string `json:"id_token,omitempty"`
	// Via is how the person signed in when not through the university's
	// provider: "oidc:<partner>" or "email". Sign-out reads it.
	Via string `json:"via,omitempty"`
}

// PendingLogin binds an authorization request to this browser; it lives
// sealed in the browser's cookie (pending.go), never in the database.
type PendingLogin struct {
	State     string    `json:"state"`
	Nonce     string    `json:"nonce"`
	Verifier  string    `json:"verifier"`
	ReturnTo  string    `json:"return_to"`
	StartedAt time.Time `json:"started_at"`
	// Provider is the partner provider the login began at; "" is the
	// university's. The callback trusts this, never the request.
	Provider string `json:"provider,omitempty"`
}

// sessions stores sessions in the database so that any replica can serve
// any request.
type sessions struct {
	db       *db.DB
	idle     time.Duration
	absolute time.Duration
	unread   string // Options.Unread
}

// newID returns 256 random bits, URL-safe, and their hash.
func newID() (raw, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	raw = base64.RawURLEncoding.EncodeToString(b)
	return raw, hashID(raw)
}

func hashID(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}

// create stores a new session and returns the raw id for the cookie. A
// pending login lives at most 10 minutes; a signed-in session lives until
// its absolute timeout.
func (s *sessions) create(tx *gorm.DB, userID *int64, data SessionData, now time.Time) (string, error) {
	raw, hash := newID()
	b, err := json.Marshal(data)
	if err != nil {
		return "", err
	}
	life := s.absolute
	if userID == nil {
		life = loginLifetime
	}
	row := Session{IDHash: hash, UserID: userID, Data: string(b), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(life)}
	if err := tx.Create(&row).Error; err != nil {
		return "", apperr.Internalf("create session: %w", err)
	}
	return raw, nil
}

// errNoSession means the cookie names no live session.
var errNoSession = errors.New("no live session")

// load returns the live session of raw, deleting it when it has passed its
// idle or absolute timeout.
//
// The session's user comes with it, read in the same query (nil for a
// sign-in under way, or when the user is gone), and the unread count when
// one is asked for: every signed-in request pays one round trip for all.
func (s *sessions) load(ctx context.Context, raw string, now time.Time) (*Session, *user.User, *int64, error) {
	if raw == "" || len(raw) > 100 {
		return nil, nil, nil, errNoSession
	}
	var joined struct {
		Session
		user.Joined
		Unread *int64 `gorm:"column:v_unread"`
	}
	cols := "sessions.*, " + user.JoinedColumns
	if s.unread != "" {
		cols += ", " + s.unread + " AS v_unread"
	}
	err := s.db.WithContext(ctx).Table("sessions").Select(cols).
		Joins("LEFT JOIN users ON users.id = sessions.user_id").
		Where("sessions.id_hash = ?", hashID(raw)).Take(&joined).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, nil, errNoSession
	}
	if err != nil {
		return nil, nil, nil, apperr.Internalf("load session: %w", err)
	}
	row := joined.Session
	if now.After(row.ExpiresAt) || (row.UserID != nil && now.Sub(row.LastSeenAt) > s.idle) {
		if row.UserID == nil {
			// A sign-in that took too long was never a session: leave it
			// for the callback to consume and say so, and for purge.
			return nil, nil, nil, errNoSession
		}
		_ = s.delete(ctx, raw)
		return nil, nil, nil, errSessionExpired
	}
	if err := json.Unmarshal([]byte(row.Data), &row.data); err != nil {
		return nil, nil, nil, apperr.Internalf("decode session: %w", err)
	}
	return &row, joined.User(), joined.Unread, nil
}

var errSessionExpired = errors.New("session expired")

// touch records activity, at most once a minute, so that a busy user does
// not cost a write per request.
func (s *sessions) touch(ctx context.Context, row *Session, now time.Time) error {
	if now.Sub(row.LastSeenAt) < time.Minute {
		return nil
	}
	row.LastSeenAt = now
	return s.db.WithContext(ctx).Model(&Session{}).Where("id_hash = ?", row.IDHash).Update("last_seen_at", now).Error
}

// delete removes the session of raw. Deleting a missing session is no error.
func (s *sessions) delete(ctx context.Context, raw string) error {
	return s.db.WithContext(ctx).Where("id_hash = ?", hashID(raw)).Delete(&Session{}).Error
}

// take loads and deletes the session of raw in one step, so that a pending
// login can be consumed once: a replayed callback finds nothing.
func (s *sessions) take(ctx context.Context, raw string, now time.Time) (*Session, error) {
	if raw == "" || len(raw) > 100 {
		return nil, errNoSession
	}
	var row Session
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id_hash = ?", hashID(raw)).Take(&row).Error; err != nil {
			return err
		}
		res := tx.Where("id_hash = ?", row.IDHash).Delete(&Session{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return gorm.ErrRecordNotFound
		}
		return nil
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, apperr.Internalf("take session: %w", err)
	}
	if now.After(row.ExpiresAt) {
		return nil, errSessionExpired
	}
	if err := json.Unmarshal([]byte(row.Data), &row.data); err != nil {
		return nil, apperr.Internalf("decode session: %w", err)
	}
	return &row, nil
}

// purge deletes expired sessions; called now and then so the table stays small.
func (s *sessions) purge(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at < ? OR (user_id IS NOT NULL AND last_seen_at < ?)", now, now.Add(-s.idle)).Delete(&Session{})
	return res.RowsAffected, res.Error
}

const loginLifetime = 10 * time.Minute

// CSRFToken is the token this visitor's forms carry, "" when nobody is
// signed in. It is an HMAC keyed by the raw session id: it belongs to this
// session alone (a token taken from another account is refused), it changes
// when sign-in rotates the session, and it gives nothing of the id away to
// whoever reads a page.
func (v Visitor) CSRFToken() string {
	if v.User == nil || v.SessionID == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(v.SessionID))
	m.Write([]byte("portal csrf token v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
