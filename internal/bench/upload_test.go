package bench

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"portal/internal/document"
)

// readUpload reads body as the wallet's form: its fields and its file.
func readUpload(t *testing.T, contentType string, body io.Reader) (fields map[string]string, name, fileType string, file []byte) {
	t.Helper()
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatal(err)
	}
	fields = map[string]string{}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return fields, name, fileType, file
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		if p.FormName() == "file" {
			name, fileType, file = p.FileName(), p.Header.Get("Content-Type"), b
		} else {
			fields[p.FormName()] = string(b)
		}
	}
}

// An upload is the wallet's form with a PDF of exactly the size asked,
// which passes the wallet's own checks, declares its length, and differs
// from every other upload; GetBody sends it again unchanged.
func TestNewUploadRequest(t *testing.T) {
	const size = 1 << 20
	bodyOf := func(req *http.Request) []byte {
		t.Helper()
		b, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != req.ContentLength {
			t.Errorf("body of %d bytes declared as %d", len(b), req.ContentLength)
		}
		return b
	}
	req, err := NewUploadRequest(context.Background(), "http://portal.test/wallet/upload", size)
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != http.MethodPost || req.URL.Path != "/wallet/upload" || req.URL.RawQuery != "" {
		t.Errorf("%s %s", req.Method, req.URL)
	}
	body := bodyOf(req)

	fields, name, fileType, file := readUpload(t, req.Header.Get("Content-Type"), bytes.NewReader(body))
	if len(fields) != 2 || fields["type"] != "transcript" || fields["expires_on"] != "" {
		t.Errorf("fields %q", fields)
	}
	if len(file) != size {
		t.Errorf("file of %d bytes, want %d", len(file), size)
	}
	if c, err := document.Validate(file, name, fileType); err != nil || c.Format.MediaType != "application/pdf" {
		t.Errorf("the wallet would refuse %s (%s): %+v, %v", name, fileType, c, err)
	}

	again, err := req.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(again); !bytes.Equal(b, body) {
		t.Error("GetBody gives another body")
	}

	other, err := NewUploadRequest(context.Background(), req.URL.String(), size)
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, otherFile := readUpload(t, other.Header.Get("Content-Type"), bytes.NewReader(bodyOf(other)))
	if bytes.Equal(file, otherFile) {
		t.Error("two uploads carry the same file: the wallet would keep one")
	}

	if _, err := NewUploadRequest(context.Background(), req.URL.String(), 10); err == nil {
		t.Error("an upload of 10 bytes was made")
	}
}

func TestUploadAccepted(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://portal.test/wallet/upload", nil)
	answer := func(status int, location string) *http.Response {
		h := http.Header{}
		if location != "" {
			h.Set("Location", location)
		}
		return &http.Response{StatusCode: status, Header: h, Request: req}
	}
	if err := UploadAccepted(answer(http.StatusSeeOther, "/wallet")); err != nil {
		t.Error(err)
	}
	for _, resp := range []*http.Response{
		answer(http.StatusOK, ""),
		answer(http.StatusUnprocessableEntity, ""), // the wallet again, with a message
		answer(http.StatusSeeOther, "/login?return_to=%2Fwallet"),
		answer(http.StatusFound, "/wallet"),
	} {
		if err := UploadAccepted(resp); err == nil {
			t.Errorf("%d to %q accepted", resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestCSRFToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Cookie") != "portal_session=s" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `<form method="post" action="/logout"><input type="hidden" name="_csrf" value="a&#43;b"></form>`)
	}))
	defer srv.Close()
	if got, err := CSRFToken(context.Background(), srv.URL+"/", "portal_session=s"); err != nil || got != "a+b" {
		t.Errorf("token %q, %v; want a+b", got, err)
	}
	if got, err := CSRFToken(context.Background(), srv.URL+"/", ""); err == nil {
		t.Errorf("a page without a form gave the token %q", got)
	}
}
