package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/textproto"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portal/internal/auth/devoidc"
	"portal/internal/catalog"
	"portal/internal/config"
	"portal/internal/i18n"
	"portal/internal/wiring"
	"portal/internal/wiring/wiringtest"
)

// walletPortal is a portal whose files go to a directory of the test's own,
// with demo users of every role (an incoming applicant among them) plus a
// second student, so that every role can try another person's documents.
type walletPortal struct {
	*portal
	files string // the storage directory
}

func startWalletPortal(t *testing.T, dialect string) *walletPortal {
	t.Helper()
	users := devoidc.DemoUsers()
	users = append(users,
		devoidc.User{Username: "student2", Subject: "demo-student2", Email: "student2@demo.portal.test", Name: "Chang Wei 張偉", Locale: "en", Groups: []string{"student"}},
	)
	var files string
	p := startPortalWith(t, dialect, wiring.Options{DevUsers: users}, func(cfg *config.Config) {
		files = filepath.Join(cfg.DataDir, "files")
	})
	return &walletPortal{portal: p, files: files}
}

// stored lists the files in the storage directory, temporary ones too.
func (w *walletPortal) stored() []string {
	var out []string
	_ = filepath.WalkDir(w.files, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, d.Name())
		}
		return nil
	})
	return out
}

// wantNothingStored fails unless the table and the storage are as before.
func (w *walletPortal) wantNothingStored(t *testing.T, what string, rows int64, files int) {
	t.Helper()
	if n := w.count("SELECT COUNT(*) FROM documents"); n != rows {
		t.Errorf("%s: %d document rows, want %d", what, n, rows)
	}
	if got := w.stored(); len(got) != files {
		t.Errorf("%s: storage holds %v, want %d files", what, got, files)
	}
}

// walletPDF is a small well-formed PDF of at least size bytes; seed makes
// different files of one size.
func walletPDF(size int, seed string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n% " + seed + "\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
	end := "trailer\n<< /Root 1 0 R >>\n%%EOF\n"
	if pad := size - b.Len() - len(end); pad > 1 {
		b.WriteString("%" + strings.Repeat("p", pad-2) + "\n")
	}
	b.WriteString(end)
	return b.Bytes()
}

func walletJPEG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 20, 10)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// walletPart is one part of a hand-made multipart body. disposition, when
// set, is sent as the Content-Disposition header exactly.
type walletPart struct {
	name, filename, ctype, disposition string
	body                               []byte
}

func walletText(name, value string) walletPart { return walletPart{name: name, body: []byte(value)} }

func walletFile(filename, ctype string, body []byte) walletPart {
	return walletPart{name: "file", filename: filename, ctype: ctype, body: body}
}

func walletMultipart(t testing.TB, parts ...walletPart) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		switch {
		case p.disposition != "":
			h.Set("Content-Disposition", p.disposition)
		case p.filename != "" || p.name == "file":
			// Raw, as a browser sends it: %q would escape what the test means to send.
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"; filename="`+p.filename+`"`)
		default:
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"`)
		}
		if p.ctype != "" {
			h.Set("Content-Type", p.ctype)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.body)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// walletSend posts body to path with the token in the X-CSRF-Token header
// (never in the URL), and follows the redirect.
func (b *browser) walletSend(path, token string, body io.Reader, ctype string, length int64) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.abs(path), body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("X-CSRF-Token", token)
	b.trail = nil
	res, err := b.follow.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return &page{Status: res.StatusCode, URL: res.Request.URL, Header: res.Header, Body: string(raw), Trail: b.trail}
}

// walletUploadParts posts a hand-made form to the upload route.
func (b *browser) walletUploadParts(token string, parts ...walletPart) *page {
	b.t.Helper()
	body, ctype := walletMultipart(b.t, parts...)
	return b.walletSend("/wallet/upload", token, body, ctype, int64(body.Len()))
}

// walletUpload posts the wallet's upload form with one file.
func (b *browser) walletUpload(token, typ, expires, filename, ctype string, content []byte) *page {
	b.t.Helper()
	return b.walletUploadParts(token, walletText("_csrf", token), walletText("type", typ), walletText("expires_on", expires), walletFile(filename, ctype, content))
}

func walletDay(offset int) string {
	return time.Now().UTC().AddDate(0, 0, offset).Format(time.DateOnly)
}

func (w *walletPortal) docID(fileName string) int64 {
	w.t.Helper()
	var ids []int64
	if err := w.App.DB.Raw("SELECT id FROM documents WHERE file_name = ? AND deleted_at IS NULL AND superseded_at IS NULL", fileName).Scan(&ids).Error; err != nil {
		w.t.Fatal(err)
	}
	if len(ids) != 1 {
		w.t.Fatalf("%d current documents named %q, want 1", len(ids), fileName)
	}
	return ids[0]
}

// A student uploads a passport and a photo of an insurance card, sees them
// listed with their status, downloads one, replaces and deletes them.
func TestWalletUploadListDownloadReplaceDelete(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		w := startWalletPortal(t, dialect)
		b := w.browser()
		home := b.signIn("student")
		if !strings.Contains(home.Body, `href="/wallet"`) {
			t.Error("the student's navigation has no link to the wallet")
		}
		pg := b.get("/wallet")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "wallet.title")
		wantText(t, pg, i18n.English, "wallet.opened.none")
		token := pg.csrf(t)

		passport := walletPDF(40_000, "passport")
		pg = b.walletUpload(token, "passport", walletDay(30), "Passport 護照.pdf", "application/pdf", passport)
		wantStatus(t, pg, http.StatusOK)
		if pg.URL.Path != "/wallet" {
			t.Fatalf("upload ended on %s", pg.URL)
		}
		wantText(t, pg, i18n.English, "flash.wallet_uploaded")
		wantText(t, pg, i18n.English, "wallet.status.expiring")
		if !strings.Contains(pg.Body, html.EscapeString("Passport 護照.pdf")) || !strings.Contains(pg.Body, walletDay(30)) {
			t.Errorf("the wallet does not list the passport with its expiry:\n%s", pg.Body)
		}
		pg = b.walletUpload(token, "insurance", walletDay(365), "card.jpg", "image/jpeg", walletJPEG(t))
		wantText(t, pg, i18n.English, "flash.wallet_uploaded")
		wantText(t, pg, i18n.English, "wallet.status.valid")
		w.wantNothingStored(t, "after two uploads", 2, 2)

		// The same file again as the same type is not added twice.
		pg = b.walletUpload(token, "passport", walletDay(30), "again.pdf", "application/pdf", passport)
		wantText(t, pg, i18n.English, "flash.wallet_duplicate")
		w.wantNothingStored(t, "after a duplicate", 2, 2)

		// Download: an attachment, the sniffed type, no sniffing, no cache.
		id := w.docID("Passport 護照.pdf")
		dl := b.get(fmt.Sprintf("/documents/%d/download", id))
		wantStatus(t, dl, http.StatusOK)
		for k, want := range map[string]string{
			"Content-Type":           "application/pdf",
			"Content-Disposition":    `attachment; filename="Passport __.pdf"; filename*=UTF-8''Passport%20%E8%AD%B7%E7%85%A7.pdf`,
			"X-Content-Type-Options": "nosniff",
			"Cache-Control":          "no-store",
		} {
			if got := dl.Header.Get(k); got != want {
				t.Errorf("download %s = %q, want %q", k, got, want)
			}
		}
		if !strings.Contains(dl.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("download CSP %q has no sandbox", dl.Header.Get("Content-Security-Policy"))
		}
		if dl.Body != string(passport) {
			t.Error("the download differs from the upload")
		}
		if n := w.audits("document.viewed"); n != 0 {
			t.Errorf("%d document.viewed events for the owner's own download", n)
		}

		// Replace: a new version; the old one goes, no application refers to it.
		body, ctype := walletMultipart(t, walletText("expires_on", walletDay(400)), walletFile("passport-new.pdf", "application/pdf", walletPDF(30_000, "renewed")))
		pg = b.walletSend(fmt.Sprintf("/documents/%d/replace", id), token, body, ctype, int64(body.Len()))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.wallet_replaced")
		wantText(t, pg, i18n.English, "wallet.doc.version", 2)
		w.wantNothingStored(t, "after a replace", 3, 2)
		if n := w.count("SELECT COUNT(*) FROM documents WHERE deleted_at IS NULL"); n != 2 {
			t.Errorf("%d live rows after replace, want 2", n)
		}
		if old := b.get(fmt.Sprintf("/documents/%d/download", id)); old.Status != http.StatusNotFound {
			t.Errorf("the replaced, unreferenced version downloads with %d", old.Status)
		}

		// Delete.
		newID := w.docID("passport-new.pdf")
		pg = b.post(fmt.Sprintf("/documents/%d/delete", newID), url.Values{"_csrf": {token}})
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.wallet_deleted")
		if strings.Contains(pg.Body, "passport-new.pdf") {
			t.Error("the deleted document is still listed")
		}
		w.wantNothingStored(t, "after delete", 3, 1)
		for _, a := range []string{"document.uploaded", "document.replaced", "document.deleted"} {
			if n := w.audits(a); n < 1 {
				t.Errorf("no %s event", a)
			}
		}

		// In Chinese.
		b.Language = "zh-TW"
		pg = b.get("/wallet")
		wantText(t, pg, i18n.TraditionalChinese, "wallet.title")
		wantText(t, pg, i18n.TraditionalChinese, "wallet.status.valid")
	})
}

// Every bad upload is refused with its own message, and leaves no row and
// no file behind.
func TestWalletRefusesBadUploads(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		w := startWalletPortal(t, dialect)
		b := w.browser()
		b.signIn("student")
		token := b.get("/wallet").csrf(t)
		pdf := walletPDF(20_000, "ok")
		manyParts := []walletPart{walletText("_csrf", token)}
		for i := 0; i < 5000; i++ {
			manyParts = append(manyParts, walletText(fmt.Sprintf("f%d", i), "x"))
		}
		manyParts = append(manyParts, walletFile("a.pdf", "application/pdf", pdf))
		cases := []struct {
			name   string
			parts  []walletPart
			status int
			key    string
			args   []any
		}{
			{"zero-byte file", []walletPart{walletText("type", "cv"), walletFile("cv.pdf", "application/pdf", nil)}, 422, "wallet.err.empty", nil},
			{"no file at all", []walletPart{walletText("type", "cv")}, 422, "wallet.err.empty", nil},
			{"PDF header followed by HTML", []walletPart{walletText("type", "cv"), walletFile("cv.pdf", "application/pdf",
				[]byte("%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"))}, 422, "wallet.err.markup", nil},
			{"PDF header followed by HTML, no end marker", []walletPart{walletText("type", "cv"), walletFile("cv.pdf", "application/pdf",
				append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("<p>padding</p>"), 200)...))}, 422, "wallet.err.pdf_broken", nil},
			{"HTML renamed .pdf", []walletPart{walletText("type", "cv"), walletFile("cv.pdf", "application/pdf",
				[]byte("<!doctype html><html><script>alert(1)</script></html>"))}, 422, "wallet.err.type_not_allowed", nil},
			{"SVG renamed .pdf", []walletPart{walletText("type", "cv"), walletFile("cv.pdf", "application/pdf",
				[]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>`))}, 422, "wallet.err.type_not_allowed", nil},
			{"PDF declared as PNG", []walletPart{walletText("type", "cv"), walletFile("cv.pdf", "image/png", pdf)}, 422, "wallet.err.mismatch", []any{"PDF"}},
			{"PDF named .png", []walletPart{walletText("type", "cv"), walletFile("cv.png", "", pdf)}, 422, "wallet.err.mismatch", []any{"PDF"}},
			{"file name ../../x", []walletPart{walletText("type", "cv"), walletFile("../../x", "application/pdf", pdf)}, 422, "wallet.err.name_path", nil},
			{"NUL in the file name (RFC 5987)", []walletPart{walletText("type", "cv"), {name: "file", ctype: "application/pdf", body: pdf,
				disposition: `form-data; name="file"; filename*=UTF-8''cv%00.pdf`}}, 422, "wallet.err.name_chars", nil},
			{"NUL in the file name (raw)", []walletPart{walletText("type", "cv"), {name: "file", ctype: "application/pdf", body: pdf,
				disposition: "form-data; name=\"file\"; filename=\"cv\x00.pdf\""}}, 422, "wallet.err.not_multipart", nil},
			{"right-to-left override in the name", []walletPart{walletText("type", "cv"), walletFile("cv\u202Efdp.exe", "application/pdf", pdf)}, 422, "wallet.err.name_chars", nil},
			{"right-to-left isolate in the name", []walletPart{walletText("type", "cv"), walletFile("cv\u2067.pdf", "application/pdf", pdf)}, 422, "wallet.err.name_chars", nil},
			{"thousands of parts", manyParts, 422, "wallet.err.too_many_parts", nil},
			{"two files", []walletPart{walletText("type", "cv"), walletFile("a.pdf", "", pdf), walletFile("b.pdf", "", walletPDF(20_000, "b"))}, 422, "wallet.err.one_file", nil},
			{"unknown type", []walletPart{walletText("type", "diploma"), walletFile("a.pdf", "", pdf)}, 422, "form.not_a_choice", nil},
			{"passport without expiry", []walletPart{walletText("type", "passport"), walletFile("a.pdf", "", pdf)}, 422, "wallet.err.expiry_required", nil},
			{"expired passport", []walletPart{walletText("type", "passport"), walletText("expires_on", walletDay(-1)), walletFile("a.pdf", "", pdf)}, 422, "wallet.err.expiry_past", nil},
		}
		for _, c := range cases {
			start := time.Now()
			pg := b.walletUploadParts(token, c.parts...)
			if pg.Status != c.status {
				t.Errorf("%s: status %d, want %d", c.name, pg.Status, c.status)
			}
			wantText(t, pg, i18n.English, c.key, c.args...)
			wantText(t, pg, i18n.English, "wallet.summary.title")
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("%s: took %s", c.name, took)
			}
			w.wantNothingStored(t, c.name, 0, 0)
		}
		// A bad file and a bad field are both reported at once.
		pg := b.walletUploadParts(token, walletText("type", "passport"), walletFile("x.pdf", "", []byte("<svg/>")))
		wantText(t, pg, i18n.English, "wallet.err.type_not_allowed")
		wantText(t, pg, i18n.English, "wallet.err.expiry_required")
		if !strings.Contains(pg.Body, `aria-invalid="true"`) || !strings.Contains(pg.Body, `aria-describedby="wallet-file-hint wallet-file-error"`) {
			t.Error("the refused file input is not marked invalid and tied to its message")
		}

		// Not multipart at all.
		pg = b.walletSend("/wallet/upload", token, strings.NewReader("type=cv"), "application/x-www-form-urlencoded", 7)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "wallet.err.not_multipart")
		w.wantNothingStored(t, "after every refusal", 0, 0)
	})
}

// walletStream is a multipart body of a file of size bytes, generated as it is
// read and counting what the client sent.
type walletStream struct {
	r    io.Reader
	sent atomic.Int64 // the transport may still be sending when the test reads it
}

func (s *walletStream) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.sent.Add(int64(n))
	return n, err
}

// walletGenerated is an upload form whose file is a PDF header followed by
// size generated bytes, made while it is sent.
func walletGenerated(t testing.TB, size int64) (*walletStream, string) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	if err := mw.SetBoundary("wallet-test-boundary"); err != nil {
		t.Fatal(err)
	}
	mw.WriteField("type", "cv")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="big.pdf"`)
	h.Set("Content-Type", "application/pdf")
	fw, _ := mw.CreatePart(h)
	fw.Write([]byte("%PDF-1.4\n"))
	tail := "\n%%EOF\r\n--wallet-test-boundary--\r\n"
	return &walletStream{r: io.MultiReader(&head, io.LimitReader(walletFiller{}, size), strings.NewReader(tail))}, mw.FormDataContentType()
}

type walletFiller struct{}

func (walletFiller) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// An upload over the limit is refused before it has all been read, with
// or without a Content-Length, and nothing of it stays.
func TestWalletRefusesOversizedUploadEarly(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		w := startWalletPortal(t, dialect)
		b := w.browser()
		b.signIn("student")
		token := b.get("/wallet").csrf(t)
		const size = 40 << 20 // four times the limit
		for _, declared := range []bool{false, true} {
			body, ctype := walletGenerated(t, size)
			req, _ := http.NewRequest(http.MethodPost, b.abs("/wallet/upload"), body)
			req.ContentLength = -1 // chunked: the server must count
			if declared {
				req.ContentLength = size + 300
			}
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("X-CSRF-Token", token)
			res, err := b.stop.Do(req)
			if err != nil {
				// The server may close before the client reads its answer;
				// what matters is that it stopped reading.
				t.Logf("declared %v: %v", declared, err)
			} else {
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				pg := &page{Status: res.StatusCode, URL: req.URL, Body: string(raw)}
				wantStatus(t, pg, http.StatusRequestEntityTooLarge)
				wantText(t, pg, i18n.English, "wallet.err.too_large", "10 MB")
			}
			if sent := body.sent.Load(); sent >= size/2 {
				t.Errorf("declared %v: the client sent %d of %d bytes before the refusal", declared, sent, size)
			}
			w.wantNothingStored(t, "oversized", 0, 0)
		}
	})
}

// Two uploads of the same file at once: one document, one file.
func TestWalletConcurrentIdenticalUploads(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		w := startWalletPortal(t, dialect)
		b := w.browser()
		b.signIn("student")
		token := b.get("/wallet").csrf(t)
		content := walletPDF(2<<20, "same")
		// Its own client: the browser's records its trail, one request at a time.
		client := &http.Client{Jar: b.jar, Transport: w.transport, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
		var wg sync.WaitGroup
		pages := make([]*page, 2)
		for i := range pages {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body, ctype := walletMultipart(t, walletText("type", "transcript"), walletFile("transcript.pdf", "application/pdf", content))
				req, _ := http.NewRequest(http.MethodPost, b.abs("/wallet/upload"), body)
				req.Header.Set("Content-Type", ctype)
				req.Header.Set("X-CSRF-Token", token)
				res, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				pages[i] = &page{Status: res.StatusCode, Header: res.Header}
			}()
		}
		wg.Wait()
		for i, pg := range pages {
			if pg == nil || pg.Status != http.StatusSeeOther {
				t.Fatalf("upload %d: %+v", i, pg)
			}
		}
		w.wantNothingStored(t, "two identical uploads at once", 1, 1)
	})
}

// Each role, and nobody signed in, tries to fetch, replace and delete the
// student's document by its id: none may, and to them it does not exist.
func TestWalletAccessMatrix(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		w := startWalletPortal(t, dialect)
		owner := w.browser()
		owner.signIn("student")
		token := owner.get("/wallet").csrf(t)
		pdf := walletPDF(10_000, "mine")
		owner.post("/account/notices/health", url.Values{"_csrf": {token}}) // a health document needs its notice first
		wantStatus(t, owner.walletUpload(token, "immunization_record", "", "vaccines.pdf", "application/pdf", pdf), http.StatusOK)
		id := w.docID("vaccines.pdf")
		// An application refers to it: the access rule must not care.
		w.exec("INSERT INTO document_attachments (document_id, application_id, attached_at) VALUES (?, 42, ?)", id, time.Now())

		for _, who := range []string{"student2", "incoming", "reviewer", "office", "coordinator", "admin"} {
			b := w.browser()
			b.signIn(who)
			tok := b.get("/").csrf(t)
			for _, path := range []string{fmt.Sprintf("/documents/%d/download", id), fmt.Sprintf("/documents/%d/download", id+1000)} {
				pg := b.get(path)
				wantStatus(t, pg, http.StatusNotFound)
				wantText(t, pg, i18n.English, "error.not_found")
				if strings.Contains(pg.Body, "vaccines") {
					t.Errorf("%s sees the document's name on %s", who, path)
				}
			}
			body, ctype := walletMultipart(t, walletFile("evil.pdf", "application/pdf", walletPDF(10_000, who)))
			pg := b.walletSend(fmt.Sprintf("/documents/%d/replace", id), tok, body, ctype, int64(body.Len()))
			wantStatus(t, pg, http.StatusNotFound)
			pg = b.post(fmt.Sprintf("/documents/%d/delete", id), url.Values{"_csrf": {tok}})
			wantStatus(t, pg, http.StatusNotFound)
			// Their own wallet does not list it.
			if pg := b.get("/wallet"); pg.Status != http.StatusOK || strings.Contains(pg.Body, "vaccines.pdf") {
				t.Errorf("%s's wallet (%d) lists the student's document", who, pg.Status)
			}
		}
		anon := w.browser()
		pg := anon.step(http.MethodGet, fmt.Sprintf("/documents/%d/download", id), nil, nil)
		if pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.Header.Get("Location"), "/login?") {
			t.Errorf("anonymous download: %d to %q, want 303 to /login", pg.Status, pg.Header.Get("Location"))
		}
		pg = anon.step(http.MethodPost, fmt.Sprintf("/documents/%d/delete", id), url.Values{}, nil)
		if pg.Status != http.StatusForbidden && pg.Status != http.StatusUnauthorized {
			t.Errorf("anonymous delete: %d", pg.Status)
		}
		for _, path := range []string{"/documents/abc/download", "/documents/0/download", "/documents/-1/download"} {
			wantStatus(t, owner.get(path), http.StatusNotFound)
		}
		w.wantNothingStored(t, "after every refused access", 1, 1)
		if n := w.audits("document.viewed"); n != 0 {
			t.Errorf("%d document.viewed events, yet nobody else opened it", n)
		}

		// The owner may; deleting is refused while application 42 refers to it.
		wantStatus(t, owner.get(fmt.Sprintf("/documents/%d/download", id)), http.StatusOK)
		pg = owner.post(fmt.Sprintf("/documents/%d/delete", id), url.Values{"_csrf": {token}})
		wantStatus(t, pg, http.StatusConflict)
		wantText(t, pg, i18n.English, "wallet.err.attached", "#42")
		wantText(t, pg, i18n.English, "wallet.summary.title_delete")
		wantText(t, pg, i18n.English, "wallet.doc.attached", "#42")
		w.wantNothingStored(t, "after a refused delete", 1, 1)
	})
}

// Uploads need the CSRF token like every other state change: first in the
// body, as the form sends it, or in the X-CSRF-Token header; never in the
// URL. The multipart body is never parsed to look for it.
func TestWalletUploadCSRF(t *testing.T) {
	t.Parallel()
	w := startWalletPortal(t, "sqlite")
	b := w.browser()
	b.signIn("student")
	token := b.get("/wallet").csrf(t)
	type form struct {
		body  []byte
		ctype string
	}
	build := func(parts ...walletPart) form {
		parts = append(parts, walletText("type", "cv"), walletFile("cv.pdf", "application/pdf", walletPDF(5000, "cv")))
		body, ctype := walletMultipart(t, parts...)
		return form{body.Bytes(), ctype}
	}
	post := func(path string, f form, h http.Header) int {
		req, _ := http.NewRequest(http.MethodPost, b.abs(path), bytes.NewReader(f.body))
		req.Header.Set("Content-Type", f.ctype)
		for k, v := range h {
			req.Header[k] = v
		}
		res, err := b.stop.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	good, bare := build(walletText("_csrf", token)), build()
	lateBody, lateType := walletMultipart(t, walletText("type", "cv"), walletText("_csrf", token), walletFile("cv.pdf", "application/pdf", walletPDF(5000, "cv")))
	for name, st := range map[string]int{
		"no token":               post("/wallet/upload", bare, nil),
		"wrong token":            post("/wallet/upload", build(walletText("_csrf", "wrong")), nil),
		"token after the fields": post("/wallet/upload", form{lateBody.Bytes(), lateType}, nil),
		"token in the URL":       post("/wallet/upload?_csrf="+url.QueryEscape(token), bare, nil),
		"same-origin, no token":  post("/wallet/upload", bare, http.Header{"Sec-Fetch-Site": {"same-origin"}}),
		"cross-site":             post("/wallet/upload", good, http.Header{"Sec-Fetch-Site": {"cross-site"}}),
	} {
		if st != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, st)
		}
	}
	w.wantNothingStored(t, "refused by CSRF", 0, 0)
	if st := post("/wallet/upload", good, nil); st != http.StatusSeeOther {
		t.Errorf("token first in the body, as the form sends it: %d, want 303", st)
	}
	if st := post("/wallet/upload", bare, http.Header{"X-Csrf-Token": {token}}); st != http.StatusSeeOther {
		t.Errorf("token in the header: %d, want 303", st)
	}
	w.wantNothingStored(t, "accepted twice, deduplicated", 1, 1)

	// The 1 MB limit still holds everywhere else.
	big := url.Values{"_csrf": {token}, "pad": {strings.Repeat("x", 2<<20)}}
	if pg := b.post("/documents/1/delete", big); pg.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MB form to delete: %d, want 413", pg.Status)
	}
}

// The wallet lists who else opened the owner's documents, from the audit
// log; the events are written as the application workflow's scope will.
func TestWalletListsOpenings(t *testing.T) {
	t.Parallel()
	w := startWalletPortal(t, "sqlite")
	owner, office := w.browser(), w.browser()
	owner.signIn("student")
	office.signIn("office")
	token := owner.get("/wallet").csrf(t)
	owner.walletUpload(token, "transcript", "", "transcript.pdf", "application/pdf", walletPDF(5000, "t"))
	id := w.docID("transcript.pdf")
	w.exec(`INSERT INTO audit_events (at, actor_id, action, object_type, object_id, detail) VALUES (?, ?, 'document.viewed', 'document', ?, ?)`,
		time.Now(), w.userID("demo-office"), fmt.Sprint(id), `{"owner_id":1,"roles":["office"],"type":"transcript","version":1}`)
	pg := owner.get("/wallet")
	wantText(t, pg, i18n.English, "wallet.opened.document", "Transcript", "transcript.pdf", 1)
	if !strings.Contains(pg.Body, "Emily Huang") || !strings.Contains(pg.Body, "International office") {
		t.Errorf("the opening does not name the office and its role:\n%s", pg.Body)
	}
	if pg := office.get("/wallet"); strings.Contains(pg.Body, "transcript.pdf") {
		t.Error("the office's wallet lists the student's openings")
	}
}

// The checklist of an elective: what it requires, what is missing, and
// what will have expired by a period's first day.
func TestWalletChecklist(t *testing.T) {
	t.Parallel()
	w := startWalletPortal(t, "sqlite")
	var e struct {
		ID       int64
		StartsOn time.Time
	}
	var periods []catalog.Period
	if err := w.App.DB.Where("starts_on > ? AND retired_at IS NULL AND elective_id IN (SELECT id FROM electives "+
		"WHERE required_docs LIKE '%transcript%' AND required_docs LIKE '%insurance%')", time.Now()).
		Order("elective_id, starts_on").Limit(1).Find(&periods).Error; err != nil || len(periods) == 0 {
		t.Fatalf("no demo elective requiring a transcript and insurance: %v", err)
	}
	e.ID, e.StartsOn = periods[0].ElectiveID, periods[0].StartsOn
	b := w.browser()
	b.signIn("student")
	token := b.get("/wallet").csrf(t)
	b.walletUpload(token, "transcript", "", "transcript.pdf", "application/pdf", walletPDF(5000, "t"))
	// Insurance that ends the day before the first period starts.
	ends := e.StartsOn.AddDate(0, 0, -1).Format(time.DateOnly)
	b.walletUpload(token, "insurance", ends, "insurance.pdf", "application/pdf", walletPDF(5000, "i"))
	pg := b.get(fmt.Sprintf("/wallet?elective=%d", e.ID))
	wantStatus(t, pg, http.StatusOK)
	wantText(t, pg, i18n.English, "wallet.check.have")
	wantText(t, pg, i18n.English, "wallet.check.missing")
	wantText(t, pg, i18n.English, "wallet.check.problem_expired", "Insurance certificate", ends)
	wantText(t, pg, i18n.English, "wallet.check.not_ready")
	if !strings.Contains(pg.Body, `class="wallet-checklist"`) {
		t.Error("no checklist section")
	}
	// Not for staff, who have no wallet to check.
	r := w.browser()
	r.signIn("reviewer")
	if pg := r.get(fmt.Sprintf("/wallet?elective=%d", e.ID)); strings.Contains(pg.Body, `class="wallet-checklist"`) {
		t.Error("a reviewer is shown a checklist")
	}
}

// walletBench is a portal for benchmarks and allocation tests, on SQLite,
// with a client signed in as the student and the token of their forms.
type walletBench struct {
	url    string
	client *http.Client
	token  string
	stop   func()
}

func startWalletBench(tb testing.TB) *walletBench {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	cfg := config.Defaults(config.ModeDev)
	cfg.BaseURL, cfg.DataDir = "http://"+ln.Addr().String(), dir
	wiringtest.Seed(tb, "sqlite", &cfg, wiring.Options{}) // the catalog, seeded once and copied
	a, err := wiring.Open(context.Background(), cfg, wiring.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	jar, _ := cookiejar.New(nil)
	bp := &walletBench{url: cfg.BaseURL, client: &http.Client{Jar: jar}}
	bp.stop = func() { cancel(); <-done; a.Close() }
	res, err := bp.client.Get(bp.url + "/login?as=student")
	if err != nil {
		tb.Fatal(err)
	}
	res.Body.Close()
	res, err = bp.client.Get(bp.url + "/wallet")
	if err != nil {
		tb.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfInput.FindStringSubmatch(string(raw))
	if m == nil {
		tb.Fatalf("no token on /wallet (%d)", res.StatusCode)
	}
	bp.token = html.UnescapeString(m[1])
	bp.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return bp
}

// upload sends a generated file of size bytes; each call's file differs.
func (bp *walletBench) upload(tb testing.TB, size int64) {
	body, ctype := walletGenerated(tb, size)
	req, _ := http.NewRequest(http.MethodPost, bp.url+"/wallet/upload", body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("X-CSRF-Token", bp.token)
	res, err := bp.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		tb.Fatalf("upload: %d", res.StatusCode)
	}
}

// BenchmarkUpload measures one upload through the whole portal: HTTP,
// multipart, checks, storage (fsync included), database. The bytes
// allocated per upload (B/op) must not grow with the file: compare 1 MB
// and 5 MB.
func BenchmarkUpload(b *testing.B) {
	for _, size := range []int64{1 << 20, 5 << 20} {
		b.Run(fmt.Sprintf("%dMB", size>>20), func(b *testing.B) {
			bp := startWalletBench(b)
			defer bp.stop()
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				bp.upload(b, size)
			}
		})
	}
}

// The memory an upload allocates (client and server together, in this
// process) does not depend on the file's size: five times the file costs
// well under one extra megabyte.
func TestUploadAllocationsDoNotGrowWithSize(t *testing.T) {
	bp := startWalletBench(t)
	defer bp.stop()
	perUpload := func(size int64) uint64 {
		bp.upload(t, size) // warm up
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		const n = 4
		for i := 0; i < n; i++ {
			bp.upload(t, size)
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / n
	}
	small, large := perUpload(1<<20), perUpload(5<<20)
	t.Logf("allocated per upload: %d bytes for 1 MB, %d bytes for 5 MB", small, large)
	if large > small+(1<<20) {
		t.Errorf("a 5 MB upload allocates %d bytes, a 1 MB one %d: memory grows with the file", large, small)
	}
}
