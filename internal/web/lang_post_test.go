package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

var returnToInput = regexp.MustCompile(`name="return_to" value="([^"]*)"`)

// TestLanguageSwitchAfterARefusedUpload checks that a page shown in answer
// to a POST (a refused upload, whose address is /wallet/upload) switches
// language to a page that exists: the wallet the form was sent from, or
// home when the browser sent no Referer; and that an address only a POST
// answers is never where the switch lands.
func TestLanguageSwitchAfterARefusedUpload(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		w := startWalletPortal(t, dialect)
		b := w.browser()
		b.signIn("student")
		wallet := b.get("/wallet")
		token := wallet.csrf(t)

		for _, tc := range []struct {
			referer, want string
		}{
			{w.URL + "/wallet", "/wallet"},
			{"", "/"},
			{"https://evil.example/wallet", "/"},
		} {
			body, ctype := walletMultipart(t, walletText("_csrf", token), walletText("type", "cv"), walletFile("cv.pdf", "application/pdf", nil))
			req, _ := http.NewRequest(http.MethodPost, w.URL+"/wallet/upload", body)
			req.Header.Set("Content-Type", ctype)
			if tc.referer != "" {
				req.Header.Set("Referer", tc.referer)
			}
			res, err := b.follow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw := make([]byte, 0)
			buf := make([]byte, 32<<10)
			for {
				n, err := res.Body.Read(buf)
				raw = append(raw, buf[:n]...)
				if err != nil {
					break
				}
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnprocessableEntity || res.Request.URL.Path != "/wallet/upload" {
				t.Fatalf("the refused upload: %d at %s, want 422 at /wallet/upload", res.StatusCode, res.Request.URL)
			}
			m := returnToInput.FindStringSubmatch(string(raw))
			if m == nil {
				t.Fatalf("no language switch on the refused upload's page")
			}
			back := html.UnescapeString(m[1])
			pg := b.post("/lang", url.Values{"_csrf": {token}, "lang": {"zh-Hant"}, "return_to": {back}})
			if pg.Status != http.StatusOK || pg.URL.Path != tc.want {
				t.Errorf("Referer %q: the switch landed on %s with %d, want %s with 200", tc.referer, pg.URL, pg.Status, tc.want)
			}
			b.post("/lang", url.Values{"_csrf": {token}, "lang": {"en"}, "return_to": {"/"}})
		}

		// An address that only a POST answers, sent as it is, lands on the
		// page the switch was pressed on, else home.
		for _, tc := range []struct {
			referer, want string
		}{
			{"", "/"},
			{w.URL + "/wallet", "/wallet"},
			{w.URL + "/applications/1/save", "/"},
		} {
			h := http.Header{}
			if tc.referer != "" {
				h.Set("Referer", tc.referer)
			}
			pg := b.step(http.MethodPost, "/lang", url.Values{"_csrf": {token}, "lang": {"en"}, "return_to": {"/wallet/upload?x=1"}}, h)
			if pg.Status != http.StatusSeeOther || pg.Header.Get("Location") != tc.want {
				t.Errorf("return_to=/wallet/upload, Referer %q: %d to %q, want 303 to %s", tc.referer, pg.Status, pg.Header.Get("Location"), tc.want)
			}
		}
	})
}
