// Package storage keeps uploaded files outside the database and outside any
// web root: a local directory by default, an S3-compatible bucket in
// production, so that several replicas share one store. Keys are random and
// chosen here; callers record them with the size and SHA-256 that Put
// measures while the bytes stream through.
package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// Object is what Put stored: its key, its size in bytes and the hex SHA-256
// of its content.
type Object struct {
	Key    string
	Size   int64
	SHA256 string
}

// Storage is the boundary between the portal and wherever files live.
type Storage interface {
	// Put stores everything r yields under a new random key. When r fails,
	// or ctx ends, before the end, nothing is left behind and the error of
	// r is returned.
	Put(ctx context.Context, r io.Reader) (Object, error)
	// Open reads an object; ErrNotFound when there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes an object; deleting a missing object is no error.
	Delete(ctx context.Context, key string) error
}

var _ Storage = (*Local)(nil)

// ErrNotFound is returned by Open for a key that holds nothing.
var ErrNotFound = errors.New("storage: no such object")

// Open returns the storage a URL names: a directory path or file:// URL for
// the local backend, or a bucket URL such as
// s3://bucket?region=eu-west-1&endpoint=https://minio.example:9000.
func Open(ctx context.Context, raw string) (Storage, error) {
	if raw == "" {
		return nil, errors.New("storage: no location given")
	}
	if !strings.Contains(raw, "://") {
		return NewLocal(raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	switch u.Scheme {
	case "file":
		return NewLocal(filepath.FromSlash(u.Path))
	case "s3":
		return openBucket(ctx, raw)
	}
	return nil, fmt.Errorf("storage: unsupported scheme %q (use a directory, file:// or s3://)", u.Scheme)
}

// newKey is 128 random bits in hex: unguessable, and safe as a file name
// and as an object name in any bucket.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// validKey reports whether key has the shape newKey gives, so that no key
// read back from the database can name a path outside the store.
func validKey(key string) bool {
	if len(key) != 32 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
