package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Local keeps each object in a file of its own under a directory:
// <dir>/<first two hex digits of the key>/<key>, readable by the portal's
// user only. It creates the directory on the first Put, not before, so that
// a portal that never receives a file leaves no trace on disk.
type Local struct {
	dir string
}

// NewLocal returns the local backend rooted at dir.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("storage: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return &Local{dir: abs}, nil
}

// Dir is the root directory of the store.
func (l *Local) Dir() string { return l.dir }

func (l *Local) path(key string) (string, error) {
	if !validKey(key) {
		return "", fmt.Errorf("storage: malformed key %q", key)
	}
	return filepath.Join(l.dir, key[:2], key), nil
}

// Put writes r to a temporary file in the object's own directory, syncs it,
// and only then renames it to its key: a crash or a failed read leaves at
// most a temporary file that Put removes on the way out, never a partial
// object under a key.
func (l *Local) Put(ctx context.Context, r io.Reader) (obj Object, err error) {
	key := newKey()
	final, _ := l.path(key)
	sub := filepath.Dir(final)
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	f, err := os.CreateTemp(sub, ".part-*")
	if err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err != nil {
		return Object{}, err
	}
	if err = f.Sync(); err != nil {
		return Object{}, fmt.Errorf("storage: sync: %w", err)
	}
	if err = f.Close(); err != nil {
		return Object{}, fmt.Errorf("storage: close: %w", err)
	}
	if err = os.Rename(tmp, final); err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	// The rename is durable only once the directory entry is.
	if d, derr := os.Open(sub); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return Object{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Open opens the object's file.
func (l *Local) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Delete removes the object's file.
func (l *Local) Delete(_ context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// ctxReader stops a copy when its context ends: a client that goes away
// mid-upload cancels the request's context.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
