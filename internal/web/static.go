package web

import (
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
}

func newAssets(fsys fs.FS) (*assets, error) {
	a := &assets{fsys: fsys, byPath: map[string]string{}, byURL: map[string]string{}}
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
		return nil
	})
	return a, err
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
	// Said up front, so that a HEAD (which sends no body) tells the size too.
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	ct := mimeByExt[path.Ext(p)]
	if ct == "" {
		ct = http.DetectContentType(b)
	}
	return c.Blob(http.StatusOK, ct, b)
}

var mimeByExt = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
}
