//go:build !nos3

package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gocloud.dev/blob/memblob"
)

// backends runs fn against every backend with the same contract; list
// reports the keys the backend holds.
func backends(t *testing.T, fn func(t *testing.T, s Storage, list func() []string)) {
	t.Run("local", func(t *testing.T) {
		dir := t.TempDir()
		l, err := NewLocal(dir)
		if err != nil {
			t.Fatal(err)
		}
		fn(t, l, func() []string {
			var names []string
			_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					names = append(names, d.Name())
				}
				return nil
			})
			return names
		})
	})
	t.Run("bucket", func(t *testing.T) {
		b := memblob.OpenBucket(nil)
		t.Cleanup(func() { b.Close() })
		fn(t, NewBucket(b), func() []string {
			var names []string
			it := b.List(nil)
			for {
				o, err := it.Next(context.Background())
				if err != nil {
					break
				}
				names = append(names, o.Key)
			}
			return names
		})
	})
}

type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestPutOpenDelete(t *testing.T) {
	backends(t, func(t *testing.T, s Storage, list func() []string) {
		ctx := context.Background()
		content := bytes.Repeat([]byte("portal "), 100_000)
		obj, err := s.Put(ctx, bytes.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(content)
		if obj.Size != int64(len(content)) || obj.SHA256 != hex.EncodeToString(sum[:]) || !validKey(obj.Key) {
			t.Fatalf("Put = %+v", obj)
		}
		rc, err := s.Open(ctx, obj.Key)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, content) {
			t.Fatal("read back different bytes")
		}
		if keys := list(); len(keys) != 1 || keys[0] != obj.Key {
			t.Fatalf("store holds %v, want only %s", keys, obj.Key)
		}
		if err := s.Delete(ctx, obj.Key); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, obj.Key); err != nil {
			t.Errorf("second delete: %v", err)
		}
		if _, err := s.Open(ctx, obj.Key); !errors.Is(err, ErrNotFound) {
			t.Errorf("open after delete: %v, want ErrNotFound", err)
		}
		if keys := list(); len(keys) != 0 {
			t.Errorf("store holds %v after delete", keys)
		}
	})
}

// A reader that fails half-way, or a context that ends, leaves nothing: no
// object, no temporary file.
func TestInterruptedPutLeavesNothing(t *testing.T) {
	backends(t, func(t *testing.T, s Storage, list func() []string) {
		boom := errors.New("client went away")
		_, err := s.Put(context.Background(), &failingReader{data: bytes.Repeat([]byte{1}, 1<<20), err: boom})
		if !errors.Is(err, boom) {
			t.Errorf("Put = %v, want the reader's error", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Put(ctx, strings.NewReader("never")); err == nil {
			t.Error("Put with an ended context succeeded")
		}
		if keys := list(); len(keys) != 0 {
			t.Errorf("store holds %v after failed puts", keys)
		}
	})
}

// Identical content put at once gets two keys; neither write disturbs the other.
func TestConcurrentPuts(t *testing.T) {
	backends(t, func(t *testing.T, s Storage, list func() []string) {
		content := bytes.Repeat([]byte("same file "), 50_000)
		var wg sync.WaitGroup
		objs := make([]Object, 8)
		errs := make([]error, 8)
		for i := range objs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				objs[i], errs[i] = s.Put(context.Background(), bytes.NewReader(content))
			}()
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, o := range objs {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if seen[o.Key] {
				t.Fatalf("key %s given twice", o.Key)
			}
			seen[o.Key] = true
			rc, err := s.Open(context.Background(), o.Key)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, content) {
				t.Errorf("object %s differs", o.Key)
			}
		}
		if n := len(list()); n != 8 {
			t.Errorf("store holds %d objects, want 8", n)
		}
	})
}

func TestMalformedKeysAreRefused(t *testing.T) {
	backends(t, func(t *testing.T, s Storage, _ func() []string) {
		for _, key := range []string{"", "../../etc/passwd", "ab/../../x", strings.Repeat("g", 32), strings.Repeat("A", 32)} {
			if _, err := s.Open(context.Background(), key); err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("Open(%q) = %v, want a malformed-key error", key, err)
			}
			if err := s.Delete(context.Background(), key); err == nil {
				t.Errorf("Delete(%q) succeeded", key)
			}
		}
	})
}

func TestLocalFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	l, _ := NewLocal(filepath.Join(dir, "files"))
	if _, err := os.Stat(l.Dir()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("NewLocal created its directory before any Put: %v", err)
	}
	obj, err := l.Put(context.Background(), strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := l.path(obj.Key)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("object mode %v, want 0600", st.Mode().Perm())
	}
}

func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, raw := range []string{dir, "file://" + filepath.ToSlash(dir)} {
		s, err := Open(ctx, raw)
		if err != nil {
			t.Fatalf("Open(%q): %v", raw, err)
		}
		if l, ok := s.(*Local); !ok || l.Dir() != dir {
			t.Errorf("Open(%q) = %#v, want local at %s", raw, s, dir)
		}
	}
	for _, raw := range []string{"", "ftp://x/y", "gs://bucket"} {
		if _, err := Open(ctx, raw); err == nil {
			t.Errorf("Open(%q) succeeded", raw)
		}
	}
}
