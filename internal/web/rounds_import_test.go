package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"
)

// uploadScores sends a score file to a round's import form as the browser
// does, and follows the redirect to its preview.
func uploadScores(t *testing.T, b *browser, round, token, name string, content []byte) *page {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.WriteField("_csrf", token); err != nil {
		t.Fatal(err)
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if b.Language != "" {
		h.Set("Accept-Language", b.Language)
	}
	return b.doBody(http.MethodPost, round+"/scores/import", w.FormDataContentType(), &body, h)
}

// roundImportWalk meets the score import's pages for the translation walk:
// the form with an unreadable file's refusal, and a preview with a row's
// problem.
func roundImportWalk(t *testing.T, b *browser, round, token string) {
	t.Helper()
	b.get(round + "/scores/import")
	uploadScores(t, b, round, token, "empty.csv", []byte(" "))
	uploadScores(t, b, round, token, "scores.csv", []byte("student_number,Grades\nNOSUCH,50\n"))
	uploadScores(t, b, round, token, "typo.csv", []byte("student_number,Grade\nNOSUCH,50\n"))
}
