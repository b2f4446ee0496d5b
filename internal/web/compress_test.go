package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// fetch GETs target as a browser that says which encodings it accepts, and
// returns the response with its body as sent, not decoded.
func (b *browser) fetch(target, acceptEncoding string) (*http.Response, []byte) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.abs(target), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	// Set by hand, Go's transport leaves the body as the server sent it.
	req.Header.Set("Accept-Encoding", acceptEncoding)
	res, err := b.stop.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return res, raw
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

var assetURL = regexp.MustCompile(`(?:href|src)="(/static/[^"]+\.(?:css|js))"`)

// TestPagesAndAssetsAreGzipped checks that a browser that accepts gzip
// gets pages, stylesheets and scripts compressed, that they decompress to
// exactly what a browser without gzip gets, and that a wallet download
// keeps its bytes and length as stored.
func TestPagesAndAssetsAreGzipped(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		w := startWalletPortal(t, dialect)
		b := w.browser()
		b.signIn("student")
		targets := []string{"/", "/electives", "/wallet"}
		res, page := b.fetch("/electives", "identity")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /electives: %d", res.StatusCode)
		}
		if !regexp.MustCompile(`<meta name="description" content="[^"]{50,}">`).Match(page) {
			t.Error("the page has no meta description for search engines")
		}
		assets := assetURL.FindAllStringSubmatch(string(page), -1)
		if len(assets) < 2 {
			t.Fatalf("found %d stylesheets and scripts in the page", len(assets))
		}
		for _, m := range assets {
			targets = append(targets, m[1])
		}
		for _, target := range targets {
			plainRes, plain := b.fetch(target, "identity")
			gzRes, gz := b.fetch(target, "gzip, deflate, br")
			if plainRes.StatusCode != http.StatusOK || gzRes.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d and %d", target, plainRes.StatusCode, gzRes.StatusCode)
				continue
			}
			if ce := plainRes.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("GET %s without gzip: Content-Encoding %q", target, ce)
			}
			if ce := gzRes.Header.Get("Content-Encoding"); ce != "gzip" {
				t.Errorf("GET %s accepting gzip: Content-Encoding %q, want gzip", target, ce)
				continue
			}
			if !strings.Contains(gzRes.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("GET %s: Vary %q lacks Accept-Encoding", target, gzRes.Header.Get("Vary"))
			}
			if len(gz) >= len(plain) {
				t.Errorf("GET %s: gzipped %d bytes, plain %d", target, len(gz), len(plain))
			}
			got := gunzip(t, gz)
			if strings.HasPrefix(target, "/static/") && !bytes.Equal(got, plain) {
				t.Errorf("GET %s: the gzipped file decompresses to other bytes", target)
			}
			// A page carries per-request tokens; its shape must be the same.
			if !strings.HasPrefix(target, "/static/") && !strings.Contains(string(got), "</html>") {
				t.Errorf("GET %s: the decompressed page is cut short", target)
			}
		}

		// A download is sent as stored, with its length, gzip or not.
		token := b.get("/wallet").csrf(t)
		pdf := walletPDF(30_000, "gz")
		if pg := b.walletUpload(token, "cv", "", "cv.pdf", "application/pdf", pdf); pg.Status != http.StatusOK {
			t.Fatalf("upload: %d", pg.Status)
		}
		id := w.docID("cv.pdf")
		res, body := b.fetch("/documents/"+strconv.FormatInt(id, 10)+"/download", "gzip")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, pdf) || res.ContentLength != int64(len(pdf)) {
			t.Errorf("download accepting gzip: %d, Content-Encoding %q, length %d, same bytes %v", res.StatusCode, res.Header.Get("Content-Encoding"), res.ContentLength, bytes.Equal(body, pdf))
		}
	})
}
