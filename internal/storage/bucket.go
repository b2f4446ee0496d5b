//go:build !nos3

package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob" // registers s3:// with blob.OpenBucket
	"gocloud.dev/gcerrors"
)

var _ Storage = (*Bucket)(nil)

// Bucket keeps objects in a gocloud.dev blob bucket: S3 and S3-compatible
// stores (MinIO, Ceph, R2) in production. S3 support costs about 18 MB of
// binary (the AWS SDK and gocloud.dev's telemetry); build with -tags nos3
// for a portal that only ever stores files on local disk.
type Bucket struct {
	b *blob.Bucket
}

// NewBucket wraps an opened bucket.
func NewBucket(b *blob.Bucket) *Bucket { return &Bucket{b: b} }

// openBucket opens a bucket URL and checks that it answers, so that a wrong
// bucket name or credentials stop the start, not the first upload.
func openBucket(ctx context.Context, raw string) (Storage, error) {
	b, err := blob.OpenBucket(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", redact(raw), err)
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ok, err := b.IsAccessible(cctx)
	if err != nil || !ok {
		b.Close()
		return nil, fmt.Errorf("storage: bucket %s is not accessible: %v", redact(raw), err)
	}
	return &Bucket{b: b}, nil
}

// Put streams r into a new object. The writer's context is cancelled on
// failure, which makes Close abort the upload instead of committing what
// arrived so far.
func (k *Bucket) Put(ctx context.Context, r io.Reader) (Object, error) {
	key := newKey()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := k.b.NewWriter(wctx, key, &blob.WriterOptions{
		ContentType:                 "application/octet-stream",
		DisableContentTypeDetection: true,
	})
	if err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), r)
	if err != nil {
		cancel()
		_ = w.Close()
		return Object{}, err
	}
	if err := w.Close(); err != nil {
		return Object{}, fmt.Errorf("storage: %w", err)
	}
	return Object{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Open reads an object.
func (k *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if !validKey(key) {
		return nil, fmt.Errorf("storage: malformed key %q", key)
	}
	rd, err := k.b.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return rd, nil
}

// Delete removes an object.
func (k *Bucket) Delete(ctx context.Context, key string) error {
	if !validKey(key) {
		return fmt.Errorf("storage: malformed key %q", key)
	}
	if err := k.b.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// Close releases the bucket.
func (k *Bucket) Close() error { return k.b.Close() }

// redact drops the query of a bucket URL from messages: it may carry keys.
func redact(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i]
	}
	return raw
}
