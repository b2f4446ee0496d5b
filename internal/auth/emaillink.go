package auth

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/notify"
	"portal/internal/user"
)

// Audit actions of emailed sign-in links. The token never appears in
// them, nor in any log: it exists in the mail alone.
const (
	LinkMailed  = "auth.link_mailed"
	LinkLimited = "auth.link_limited" // a rate limit held the mail back
)

// LinkLifetime is how long an emailed sign-in link works.
const LinkLifetime = 15 * time.Minute

// LinkPath is the page a sign-in link opens; the token is its query.
const LinkPath = "/signin/link"

// LinkLimits bound how many sign-in links are mailed within Window: to one
// address (so nobody's mailbox is flooded) and at the request of one client
// IP (so nobody mails the world from here).
type LinkLimits struct {
	PerAddress, PerClient int
	Window                time.Duration
}

// DefaultLinkLimits are the limits unless Options say otherwise.
var DefaultLinkLimits = LinkLimits{PerAddress: 3, PerClient: 10, Window: 15 * time.Minute}

// signinLink is a mailed link, known by the SHA-256 of its token.
type signinLink struct {
	TokenHash string `gorm:"primaryKey"`
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (signinLink) TableName() string { return "signin_links" }

// signinRequest is one request for a link, kept for the rate limits.
type signinRequest struct {
	ID        int64
	Email     string
	IP        string
	Sent      bool
	CreatedAt time.Time
}

func (signinRequest) TableName() string { return "signin_requests" }

// NormalizeEmail returns a bare address (no display name), lowercased, as
// the subject of an emailed sign-in; anything else is Invalid on the field
// "email".
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := apperr.Fields{}
	switch {
	case s == "":
		bad.Add("email", "incoming.signin.err.email_required")
	case len(s) > 254:
		bad.Add("email", "incoming.signin.err.email_invalid")
	default:
		a, err := mail.ParseAddress(s)
		if err != nil || a.Name != "" || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
			bad.Add("email", "incoming.signin.err.email_invalid")
		}
	}
	if err := bad.Err(); err != nil {
		return "", err
	}
	return strings.ToLower(s), nil
}

// RequestLink mails a one-time sign-in link to address, in lang, unless a
// rate limit holds it back. Its answer is the same either way, and the same
// whether or not anyone signed in with the address before: only a
// malformed address is an error. Requests for one address, and from one
// client, take turns (SQLite's transactions take the write lock at BEGIN;
// PostgreSQL takes advisory locks), so that replicas racing each other
// mail exactly up to the limits.
func (s *Service) RequestLink(ctx context.Context, address, lang string, m audit.Meta) error {
	email, err := NormalizeEmail(address)
	if err != nil {
		return err
	}
	now, lim := s.o.Now().UTC(), s.o.LinkLimits
	since := now.Add(-lim.Window)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.db.Dialect == db.Postgres {
			for _, key := range []string{"address:" + email, "client:" + m.IP} {
				if err := tx.Exec("SELECT pg_advisory_xact_lock(?, hashtext(?))", linkLockClass, key).Error; err != nil {
					return apperr.Internalf("lock sign-in link requests: %w", err)
				}
			}
		}
		var byAddress, byClient int64
		if err := tx.Model(&signinRequest{}).Where("email = ? AND sent AND created_at > ?", email, since).Count(&byAddress).Error; err != nil {
			return apperr.Internalf("count sign-in link requests: %w", err)
		}
		if err := tx.Model(&signinRequest{}).Where("ip = ? AND sent AND created_at > ?", m.IP, since).Count(&byClient).Error; err != nil {
			return apperr.Internalf("count sign-in link requests: %w", err)
		}
		limit := limited(byAddress, byClient, lim)
		if err := tx.Create(&signinRequest{Email: email, IP: m.IP, Sent: limit == "", CreatedAt: now}).Error; err != nil {
			return apperr.Internalf("record sign-in link request: %w", err)
		}
		if limit != "" {
			return audit.Write(tx, audit.New(now, nil, LinkLimited, m, map[string]any{"limit": limit}))
		}
		raw, hash := newID()
		if err := tx.Create(&signinLink{TokenHash: hash, Email: email, CreatedAt: now, ExpiresAt: now.Add(LinkLifetime)}).Error; err != nil {
			return apperr.Internalf("store sign-in link: %w", err)
		}
		err := notify.Enqueue(tx, notify.Event{
			Kind: notify.SigninLink, RecipientEmail: email, Lang: lang,
			Data: map[string]any{"minutes": int(LinkLifetime / time.Minute)},
			Link: LinkPath + "?token=" + raw,
		})
		if err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, nil, LinkMailed, m, nil))
	})
}

// linkLockClass is the first key of the advisory locks of link requests,
// apart from any other advisory lock of the portal.
const linkLockClass = 7301

// limited names the limit a request is past, "" when none: the requests
// already mailed in the window are counted, this one not yet.
func limited(byAddress, byClient int64, lim LinkLimits) string {
	switch {
	case byAddress >= int64(lim.PerAddress):
		return "address"
	case byClient >= int64(lim.PerClient):
		return "client"
	}
	return ""
}

// errLink is the one message of every refused link: expired, used or
// never issued look the same to whoever holds it.
var errLink = errors.New("sign-in link refused")

// ConsumeLink signs in the person a link was mailed to and returns their
// new session id. The link is used up in the same step (a guarded UPDATE),
// so two clicks race for it and one wins. An expired, used or unknown
// token creates no session and is audited with the reason.
func (s *Service) ConsumeLink(ctx context.Context, token string, m audit.Meta) (string, error) {
	now := s.o.Now().UTC()
	refuse := func(reason string) (string, error) {
		_ = s.audit.Record(ctx, audit.New(now, nil, audit.SignInRefused, m, map[string]any{"reason": reason}))
		return "", apperr.Wrap(apperr.Unauthorized, errLink, "auth.refused.link")
	}
	if token == "" || len(token) > 100 {
		return refuse("link_unknown")
	}
	var link signinLink
	reason := ""
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(db.ForUpdate()).Where("token_hash = ?", hashID(token)).Take(&link).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			reason = "link_unknown"
			return nil
		case err != nil:
			return err
		case link.UsedAt != nil:
			reason = "link_used"
			return nil
		case !now.Before(link.ExpiresAt):
			reason = "link_expired"
			return nil
		}
		res := tx.Model(&signinLink{}).Where("token_hash = ? AND used_at IS NULL", link.TokenHash).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			reason = "link_used"
		}
		return nil
	})
	if err != nil {
		return "", apperr.Internalf("use sign-in link: %w", err)
	}
	if reason != "" {
		return refuse(reason)
	}
	id := user.Identity{
		Issuer: s.o.EmailIssuer, Subject: link.Email, Email: link.Email,
		Name: s.emailName(ctx, link.Email), Roles: []user.Role{user.Incoming},
	}
	return s.startSession(ctx, id, SessionData{Via: "email"}, now, m, map[string]any{"provider": "email"})
}

// emailName keeps the name a person gave in their profile: the address
// says nothing about it, and signing in must not erase it.
func (s *Service) emailName(ctx context.Context, email string) string {
	var names []string
	s.db.WithContext(ctx).Model(&user.User{}).Where("issuer = ? AND subject = ?", s.o.EmailIssuer, email).Limit(1).Pluck("name", &names)
	if len(names) == 1 && names[0] != "" {
		return names[0]
	}
	return email
}

// purgeLinks deletes links and requests older than a day: past their use
// and past every limit's window.
func (s *Service) purgeLinks(ctx context.Context, now time.Time) error {
	d := s.db.WithContext(ctx)
	cut := now.Add(-24 * time.Hour)
	if err := d.Where("expires_at < ?", cut).Delete(&signinLink{}).Error; err != nil {
		return err
	}
	return d.Where("created_at < ?", cut).Delete(&signinRequest{}).Error
}
