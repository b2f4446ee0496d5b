package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

// TestKeptPageGzipsToThePageWithTheToken: a kept page's gzip, pieces
// deflated apart with the visitor's token stored between them, must read
// back, checksum and length included, as the page with the token in
// place, whether the marker is nowhere, at an end or many times.
func TestKeptPageGzipsToThePageWithTheToken(t *testing.T) {
	long := strings.Repeat("<li>Hepatology and MAFLD 肝臟科 clinical elective</li>\n", 2000)
	for _, page := range []string{
		"",
		"<p>no form here</p>",
		csrfMarker,
		`<body data-hx-headers='{"X-CSRF-Token": "` + csrfMarker + `"}'>` + long +
			`<input name="_csrf" value="` + csrfMarker + `">` + long + `<input value="` + csrfMarker + `">`,
	} {
		kp, err := keepPage(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, token := range []string{"", "tok-EN_123", strings.Repeat("x", 300)} {
			want := strings.ReplaceAll(page, csrfMarker, token)
			if got := string(kp.plain(token)); got != want {
				t.Fatalf("plain page with %q differs from the page with the token", token)
			}
			zr, err := gzip.NewReader(bytes.NewReader(kp.gzipped(token)))
			if err != nil {
				t.Fatalf("gzip header: %v", err)
			}
			zr.Multistream(false)
			got, err := io.ReadAll(zr) // checks the CRC and the length at the end
			if err != nil {
				t.Fatalf("page of %d bytes, token %q: %v", len(page), token, err)
			}
			if string(got) != want {
				t.Fatalf("page of %d bytes, token %q: gunzipped differs (%d bytes, want %d)", len(page), token, len(got), len(want))
			}
		}
	}
}
