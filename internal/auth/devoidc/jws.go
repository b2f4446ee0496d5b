package devoidc

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
)

// The JWS code is written by hand rather than with go-jose because the
// tampered tokens need to break the format in ways a library refuses to.

// signJWT returns claims as a compact JWS signed with ES256 (RFC 7515,
// RFC 7518 section 3.4: the signature is r||s, each 32 bytes).
func signJWT(key *ecdsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	input, err := signingInput(map[string]string{"alg": "ES256", "kid": kid, "typ": "JWT"}, claims)
	if err != nil {
		return "", err
	}
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// unsignedJWT returns claims as an "alg":"none" JWT, for TamperAlgNone.
func unsignedJWT(claims map[string]any) (string, error) {
	input, err := signingInput(map[string]string{"alg": "none", "typ": "JWT"}, claims)
	return input + ".", err
}

// signingInput is the encoded header and claims that the signature covers.
func signingInput(header map[string]string, claims map[string]any) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c), nil
}

// corruptSignature flips one bit of a JWS signature, for TamperBadSignature.
func corruptSignature(token string) (string, error) {
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil || len(sig) == 0 {
		return "", errors.New("devoidc: no signature to corrupt")
	}
	sig[len(sig)/4] ^= 0x01
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig), nil
}

// verifyOwnJWT returns the claims of a JWT this provider signed with its
// current key. It does not check expiry: an id_token_hint may be expired.
func (p *Provider) verifyOwnJWT(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("devoidc: not a compact JWS")
	}
	var header struct{ Alg, Kid string }
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(raw, &header) != nil || header.Alg != "ES256" || header.Kid != p.kid {
		return nil, errors.New("devoidc: not signed by this provider")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, errors.New("devoidc: malformed signature")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&p.key.PublicKey, digest[:], r, s) {
		return nil, errors.New("devoidc: bad signature")
	}
	var claims map[string]any
	raw, err = base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		return nil, errors.New("devoidc: malformed claims")
	}
	if claims["iss"] != p.issuer {
		return nil, errors.New("devoidc: issued by someone else")
	}
	return claims, nil
}
