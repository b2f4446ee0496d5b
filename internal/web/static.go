package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// assets serves the static files under URLs that carry a hash of their
// content, so that browsers may cache them for a year and still see a new
// version the moment it ships.
type assets struct {
	fsys   fs.FS
	byPath map[string]string // "css/app.css" -> "/static/css/app.3f2a9c1d.css"
	byURL  map[string]string // the reverse, without the /static/ prefix
	// gzipped holds the text files compressed once at start-up, at the
	// best level: served to every browser that accepts gzip, without
	// compressing the same bytes again on each request.
	gzipped map[string][]byte
}

// compressible are the kinds of static file worth gzipping; images and
// fonts are compressed already.
var compressible = map[string]bool{".css": true, ".js": true, ".svg": true, ".json": true, ".txt": true}

func newAssets(fsys fs.FS) (*assets, error) {
	a := &assets{fsys: fsys, byPath: map[string]string{}, byURL: map[string]string{}, gzipped: map[string][]byte{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) == ".md" {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		hashed := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		a.byPath[p] = "/static/" + hashed
		a.byURL[hashed] = p
		if compressible[ext] {
			if gz := gzipBytes(b); len(gz) < len(b) {
				a.gzipped[p] = gz
			}
		}
		return nil
	})
	return a, err
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	_, _ = w.Write(b)                                       // a bytes.Buffer does not fail
	_ = w.Close()
	return buf.Bytes()
}

// URL returns the hashed URL of a static file; an unknown file is a
// programming error, shown loudly in the page rather than hidden.
func (a *assets) URL(p string) string {
	if u, ok := a.byPath[p]; ok {
		return u
	}
	return "/static/missing/" + p
}

func (a *assets) serve(c echo.Context) error {
	p, ok := a.byURL[c.Param("*")]
	if !ok {
		return echo.ErrNotFound
	}
	b, err := fs.ReadFile(a.fsys, p)
	if err != nil {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	ct := mimeByExt[path.Ext(p)]
	if ct == "" {
		ct = http.DetectContentType(b)
	}
	if gz, ok := a.gzipped[p]; ok {
		// Caches must keep the two encodings apart.
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
		if acceptsGzip(c.Request()) {
			h.Set(echo.HeaderContentEncoding, "gzip")
			b = gz
		}
	}
	// Said up front, so that a HEAD (which sends no body) tells the size too.
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	return c.Blob(http.StatusOK, ct, b)
}

// acceptsGzip reads Accept-Encoding: gzip (or *) listed and not refused
// with q=0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get(echo.HeaderAcceptEncoding), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

var mimeByExt = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
}
