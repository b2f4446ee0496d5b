package p2p

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// The headers of a signed request (docs/p2p.md).
const (
	HeaderKey       = "P2P-Key"       // the sender's public key, base64
	HeaderTimestamp = "P2P-Timestamp" // Unix seconds
	HeaderNonce     = "P2P-Nonce"     // random, once per key
	HeaderSignature = "P2P-Signature" // Ed25519 over Canonical, base64
)

// Skew is how far a request's timestamp may be from the receiver's clock.
const Skew = 5 * time.Minute

// Canonical is the text a request's signature covers: the method, the
// path, the timestamp, the nonce and the body's SHA-256, so that none of
// them can be changed or the request moved to another endpoint.
func Canonical(method, path, ts, nonce string, body []byte) []byte {
	d := sha256.Sum256(body)
	return []byte("p2p-v1\n" + method + "\n" + path + "\n" + ts + "\n" + nonce + "\n" + hex.EncodeToString(d[:]))
}

// sign sets the signature headers of req, whose body is body.
func sign(req *http.Request, priv ed25519.PrivateKey, body []byte, now time.Time) {
	n := make([]byte, 16)
	_, _ = rand.Read(n)
	ts, nonce := strconv.FormatInt(now.Unix(), 10), hex.EncodeToString(n)
	sig := ed25519.Sign(priv, Canonical(req.Method, req.URL.Path, ts, nonce, body))
	req.Header.Set(HeaderKey, base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)))
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
}

// Signed is what a receiver got: the headers that matter and the body.
type Signed struct {
	Method, Path               string
	Key, Timestamp, Nonce, Sig string
	Body                       []byte
}

// SignedOf reads the signature headers of r; body is its body, read.
func SignedOf(r *http.Request, body []byte) Signed {
	h := r.Header
	return Signed{Method: r.Method, Path: r.URL.Path, Key: h.Get(HeaderKey), Timestamp: h.Get(HeaderTimestamp),
		Nonce: h.Get(HeaderNonce), Sig: h.Get(HeaderSignature), Body: body}
}

// verify checks the signature of m with pub and its timestamp against now;
// it returns the refusal's code, "" when m holds.
func verify(m Signed, pub ed25519.PublicKey, now time.Time) string {
	sig, err := base64.StdEncoding.DecodeString(m.Sig)
	if err != nil || !ed25519.Verify(pub, Canonical(m.Method, m.Path, m.Timestamp, m.Nonce, m.Body), sig) {
		return ErrSignature
	}
	ts, err := strconv.ParseInt(m.Timestamp, 10, 64)
	if err != nil {
		return ErrTimestamp
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Skew || d < -Skew {
		return ErrTimestamp
	}
	if len(m.Nonce) < 16 || len(m.Nonce) > 64 {
		return ErrSignature
	}
	return ""
}
