package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// pendingPrefix marks a cookie value that is a sealed pending sign-in
// rather than a session id, so that neither is mistaken for the other.
const pendingPrefix = "p1."

// maxReturnTo bounds the page remembered across a sign-in: the sealed
// value must fit in a cookie.
const maxReturnTo = 1024

// sealer keeps a pending sign-in in the browser, encrypted and
// authenticated, instead of in the sessions table: an anonymous GET /login
// then writes nothing, so strangers cannot grow a table by asking for
// sign-in pages. Every replica derives the same key from the client
// secret, which they already share and nobody else knows.
type sealer struct{ aead cipher.AEAD }

func newSealer(secret string) *sealer {
	ikm := []byte(secret)
	if secret == "" {
		// No client secret (tests of other parts): a key of this process
		// only; pending sign-ins then survive no restart, which is fine.
		ikm = make([]byte, 32)
		_, _ = rand.Read(ikm)
	}
	key, err := hkdf.Key(sha256.New, ikm, nil, "portal pending sign-in v1", 32)
	if err != nil {
		panic(err) // only for impossible lengths
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &sealer{aead: aead}
}

func (s *sealer) seal(pl *PendingLogin) (string, error) {
	if len(pl.ReturnTo) > maxReturnTo {
		pl.ReturnTo = "/"
	}
	b, err := json.Marshal(pl)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return pendingPrefix + base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, b, []byte(pendingPrefix))), nil
}

var errNotPending = errors.New("not a pending sign-in")

// open returns the pending sign-in of a cookie value, or errSessionExpired
// once it is older than loginLifetime.
func (s *sealer) open(v string, now time.Time) (*PendingLogin, error) {
	rest, ok := strings.CutPrefix(v, pendingPrefix)
	if !ok || len(rest) > 4096 {
		return nil, errNotPending
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) < s.aead.NonceSize() {
		return nil, errNotPending
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(pendingPrefix))
	if err != nil {
		return nil, errNotPending
	}
	var pl PendingLogin
	if err := json.Unmarshal(plain, &pl); err != nil {
		return nil, errNotPending
	}
	if now.Sub(pl.StartedAt) > loginLifetime || pl.StartedAt.After(now.Add(time.Minute)) {
		return nil, errSessionExpired
	}
	return &pl, nil
}
