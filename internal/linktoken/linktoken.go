// Package linktoken is the secret of a link that lets someone without an
// account act once: a host answering a nomination (internal/host), a host
// supervisor evaluating a student (internal/evaluation). The token travels
// only in the mail; the portal keeps its hash, so a copy of the database
// opens nothing. Each table of links keeps its own expiry, revocation and
// use; State says, the same way for all of them, why a link no longer
// answers.
package linktoken

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// New returns a random token (256 bits, URL-safe) and the hash to keep.
func New() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on the platforms the portal runs on
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, Hash(token)
}

// Hash is what is kept of token and looked up by.
func Hash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Why a link no longer answers, in the order they are checked: a revoked
// link says so even when it also expired, because that is what the office
// did on purpose.
const (
	Open    = ""
	Revoked = "revoked"
	Used    = "used"
	Expired = "expired"
)

// State is a link's life as its table keeps it.
type State struct {
	ExpiresAt time.Time
	RevokedAt *time.Time
	UsedAt    *time.Time
}

// At is why the link does not answer at now, Open when it does.
func (s State) At(now time.Time) string {
	switch {
	case s.RevokedAt != nil:
		return Revoked
	case s.UsedAt != nil:
		return Used
	case !now.Before(s.ExpiresAt):
		return Expired
	}
	return Open
}
