package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"gorm.io/gorm"

	"portal/internal/audit"
)

// backchannelEvent is the member of a logout token's events claim that
// makes it one (OpenID Connect Back-Channel Logout 1.0, section 2.4).
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutTokenAge is how old a logout token may be (by its iat): the
// provider posts it when the person signs out, so an old one is a replay.
const logoutTokenAge = 5 * time.Minute

// ErrLogoutToken is a logout token that is not valid; the provider is
// answered 400 (section 2.8).
var ErrLogoutToken = errors.New("invalid logout token")

// BackchannelLogout ends the portal sessions that a provider's logout
// token names: the sessions it started with that sid, or all sessions of
// that sub at that provider. The token is verified like an ID token
// (signature by the provider's keys, iss, aud) and then as a logout token
// (iat, events, no nonce, sid or sub). It returns how many sessions ended.
func (s *Service) BackchannelLogout(ctx context.Context, raw string, m audit.Meta) (int64, error) {
	iss, err := unverifiedIssuer(raw)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrLogoutToken, err)
	}
	// Only a configured provider's keys can vouch for a token, so the
	// unverified iss merely says which keys to try.
	var rp *relyingParty
	for _, p := range s.all() {
		if p.issuer == iss {
			rp = p
		}
	}
	if rp == nil {
		return 0, fmt.Errorf("%w: unknown issuer %q", ErrLogoutToken, iss)
	}
	octx := s.ctx(ctx)
	p, err := rp.discover(octx)
	if err != nil {
		return 0, err
	}
	// Logout tokens need not carry exp in every provider's reading of
	// the draft they implemented; iat is checked below instead.
	tok, err := p.Verifier(&oidc.Config{ClientID: rp.clientID, Now: s.o.Now, SkipExpiryCheck: true}).Verify(octx, raw)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrLogoutToken, err)
	}
	var c struct {
		Sub    string                     `json:"sub"`
		Sid    string                     `json:"sid"`
		Iat    *int64                     `json:"iat"`
		Exp    *int64                     `json:"exp"`
		Nonce  *string                    `json:"nonce"`
		Events map[string]json.RawMessage `json:"events"`
	}
	if err := tok.Claims(&c); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrLogoutToken, err)
	}
	now := s.o.Now()
	switch ev, ok := c.Events[backchannelEvent]; {
	case !ok || !strings.HasPrefix(strings.TrimSpace(string(ev)), "{"):
		return 0, fmt.Errorf("%w: no back-channel logout event", ErrLogoutToken)
	case c.Nonce != nil:
		return 0, fmt.Errorf("%w: a logout token carries no nonce", ErrLogoutToken)
	case c.Sub == "" && c.Sid == "":
		return 0, fmt.Errorf("%w: neither sid nor sub", ErrLogoutToken)
	case c.Iat == nil:
		return 0, fmt.Errorf("%w: no iat", ErrLogoutToken)
	case now.Sub(time.Unix(*c.Iat, 0)) > logoutTokenAge || time.Unix(*c.Iat, 0).After(now.Add(time.Minute)):
		return 0, fmt.Errorf("%w: iat %s is not now", ErrLogoutToken, time.Unix(*c.Iat, 0).UTC())
	case c.Exp != nil && now.After(time.Unix(*c.Exp, 0)):
		return 0, fmt.Errorf("%w: expired", ErrLogoutToken)
	}

	// Both given: the sessions of that person at that provider session.
	users := s.db.WithContext(ctx).Table("users").Select("id").Where("issuer = ?", tok.Issuer)
	if c.Sub != "" {
		users = users.Where("subject = ?", c.Sub)
	}
	var ended int64
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("user_id IN (?)", users)
		if c.Sid != "" {
			q = q.Where("oidc_sid = ?", c.Sid)
		}
		res := q.Delete(&Session{})
		if res.Error != nil {
			return res.Error
		}
		ended = res.RowsAffected
		return audit.Write(tx, audit.New(now, nil, audit.SignOut, m, map[string]any{
			"via": "backchannel", "provider": rp.label(), "sub": c.Sub, "sid": c.Sid, "sessions": ended}))
	})
	return ended, err
}

// unverifiedIssuer reads a JWT's iss without checking anything, to pick
// the keys that will check it.
func unverifiedIssuer(raw string) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", errors.New("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return "", err
	}
	return c.Iss, nil
}
