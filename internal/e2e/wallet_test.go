package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// walletPDF writes a small well-formed PDF into the test's directory.
func walletPDF(t *testing.T, name string) string {
	t.Helper()
	body := "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + strings.Repeat("scan ", 400) +
		"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A student uploads a passport in a real browser, sees it listed as
// expiring, and a file that is not what it claims is refused with the
// message tied to the file input. Every page state passes axe, and the
// wallet fits a phone.
func TestStudentUploadsAPassport(t *testing.T) {
	t.Parallel()
	tb := newTab(t, startPortal(t))
	tb.signIn("student")
	if status := tb.click("nav a[href='/wallet']"); status != 200 {
		t.Fatalf("the wallet answered %d", status)
	}
	s := tb.state()
	wantEqual(t, "wallet heading", s.H1, "My documents")
	wantContains(t, "empty wallet", s.Body, "Your wallet is empty.")
	tb.checkA11y("empty wallet")

	expires := time.Now().UTC().AddDate(0, 0, 30).Format(time.DateOnly)
	tb.do("fill the upload form",
		chromedp.SetValue(chromedp.CSS("#wallet-type"), "passport"),
		chromedp.SetValue(chromedp.CSS("#wallet-expires"), expires),
		chromedp.SetUploadFiles(chromedp.CSS("#wallet-file"), []string{walletPDF(t, "passport-scan.pdf")}),
	)
	if status := tb.click("form.wallet-form button[type=submit]"); status != 200 {
		t.Fatalf("the page after the upload answered %d", status)
	}
	s = tb.state()
	wantEqual(t, "URL after upload", s.URL, tb.base+"/wallet")
	wantEqual(t, "flash after upload", s.Flash, "The document was added to your wallet.")
	doc := eval[string](tb, `document.querySelector(".wallet-doc").innerText`)
	wantContains(t, "listed document", doc, "passport-scan.pdf")
	wantContains(t, "listed document", doc, "Expires "+dayText(expires))
	wantContains(t, "listed document", doc, "Expiring soon")
	wantEqual(t, "group heading", eval[string](tb, `document.querySelector(".wallet-group h3").innerText`), "Passport")
	tb.checkA11y("wallet with a passport")

	// The replace and delete forms, opened.
	tb.do("open replace and delete", chromedp.Click(chromedp.CSS(".wallet-actions details:first-child summary")),
		chromedp.Click(chromedp.CSS(".wallet-actions details:last-child summary")))
	tb.checkA11y("wallet with replace and delete open")

	// An HTML page named .pdf is refused; the message is tied to the input
	// and the summary at the top takes the focus.
	html := filepath.Join(t.TempDir(), "cv.pdf")
	if err := os.WriteFile(html, []byte("<!doctype html><html><script>alert(1)</script></html>"), 0o600); err != nil {
		t.Fatal(err)
	}
	tb.open("/wallet")
	tb.do("fill the upload form with HTML",
		chromedp.SetValue(chromedp.CSS("#wallet-type"), "cv"),
		chromedp.SetUploadFiles(chromedp.CSS("#wallet-file"), []string{html}),
	)
	if status := tb.click("form.wallet-form button[type=submit]"); status != 422 {
		t.Errorf("the refused upload answered %d, want 422", status)
	}
	wantContains(t, "refusal", eval[string](tb, `document.querySelector("#wallet-file-error").innerText`), "Only PDF, JPEG and PNG files are accepted")
	wantEqual(t, "file input described by", eval[string](tb, `document.querySelector("#wallet-file").getAttribute("aria-describedby")`), "wallet-file-hint wallet-file-error")
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](`document.activeElement && document.activeElement.id === "wallet-summary"`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(3*time.Second)))
	if err != nil {
		t.Errorf("the error summary does not take the focus: %v", err)
	}
	wantEqual(t, "documents after the refusal", eval[int](tb, `document.querySelectorAll(".wallet-doc").length`), 1)
	tb.checkA11y("wallet with a refused upload")

	// On a phone, in both languages.
	tb.emulatePhone()
	tb.open("/wallet")
	tb.checkNoHorizontalScroll("wallet on a phone")
	tb.checkA11y("wallet on a phone")
	tb.click("form.lang button[value='zh-Hant']")
	wantEqual(t, "wallet heading in Chinese", tb.state().H1, "我的文件")
	tb.checkNoHorizontalScroll("wallet (zh-Hant) on a phone")
	tb.checkA11y("wallet (zh-Hant) on a phone")
}
