package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// vnuJar is the Nu HTML Checker, installed by `npm ci` in testdata/vnu
// (.ci/run does it; node_modules is not committed).
const vnuJar = "testdata/vnu/node_modules/vnu-jar/build/dist/vnu.jar"

// capture keeps every full HTML page a browser receives, by method and
// address, so that the checker sees the pages a refused form renders too.
type capture struct {
	who   string
	next  http.RoundTripper
	mu    *sync.Mutex
	pages map[string][]byte
}

func (c capture) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := c.next.RoundTrip(req)
	if err != nil || req.Header.Get("Hx-Request") != "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	if bytes.HasPrefix(bytes.ToLower(bytes.TrimSpace(body)), []byte("<!doctype html")) {
		// One copy per visitor and route shape is enough: /applications/3
		// and /applications/4 are the same template, but a student's
		// elective page holds a form an anonymous visitor's does not.
		key := c.who + ": " + req.Method + " " + digits.ReplaceAllString(req.URL.Path, "N")
		c.mu.Lock()
		if _, ok := c.pages[key]; !ok {
			c.pages[key] = body
		}
		c.mu.Unlock()
	}
	return res, nil
}

var digits = regexp.MustCompile(`[0-9]+`)

// vnuMessage is one finding of the checker's JSON output.
type vnuMessage struct {
	Type     string `json:"type"`
	SubType  string `json:"subType"`
	URL      string `json:"url"`
	LastLine int    `json:"lastLine"`
	Message  string `json:"message"`
	Extract  string `json:"extract"`
}

// TestEveryPageIsValidHTML walks the portal as every kind of visitor, the
// way the translation test does (links, refused forms), and gives every
// kind of page it met to the Nu HTML Checker, the W3C's validator: any
// error fails the test. Without Java or vnu.jar the test skips, except
// under CI=true, where it fails.
func TestEveryPageIsValidHTML(t *testing.T) {
	t.Parallel()
	java, err := exec.LookPath("java")
	if err == nil {
		_, err = os.Stat(vnuJar)
	}
	if err != nil {
		msg := fmt.Sprintf("the Nu HTML Checker needs java (Debian default-jre-headless) and %s (npm ci in internal/web/testdata/vnu): %v", vnuJar, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	p := startPortal(t, "sqlite", wiring.Options{DemoApplications: true})
	var mu sync.Mutex
	pages := map[string][]byte{}
	type walk struct {
		who  string
		lang i18n.Lang
	}
	walks := []walk{{"", i18n.English}, {"student", i18n.English}, {"incoming", i18n.English}, {"reviewer", i18n.English},
		{"coordinator", i18n.English}, {"office", i18n.English}, {"admin", i18n.English},
		// Japanese, as the incoming students from Japan's partners read
		// it (issue 19): another script, other lengths, lang="ja".
		{"", i18n.Japanese}, {"incoming", i18n.Japanese}}
	for _, w := range walks {
		who := w.who
		c := &crawler{t: t, p: p, b: p.browser(), lang: w.lang, seen: map[string]bool{}, perPath: map[string]int{}}
		label := string(w.lang) + " " + who
		c.b.follow.Transport = capture{who: label, next: c.b.follow.Transport, mu: &mu, pages: pages}
		c.b.stop.Transport = capture{who: label, next: c.b.stop.Transport, mu: &mu, pages: pages}
		c.start(who)
		for _, u := range translationStarts {
			c.visit(u)
		}
		c.refusals(who)
		c.crawl()
		c.signOut(who)
	}
	if len(pages) < 30 {
		t.Fatalf("the walk met only %d kinds of page", len(pages))
	}
	ja := 0
	for k, body := range pages {
		if strings.HasPrefix(k, "ja ") && bytes.Contains(body, []byte(`<html lang="ja"`)) {
			ja++
		}
	}
	if ja < 5 {
		t.Fatalf("the walk met only %d kinds of page in Japanese", ja)
	}

	dir := t.TempDir()
	names := map[string]string{} // file -> page
	keys := make([]string, 0, len(pages))
	for k := range pages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		f := filepath.Join(dir, fmt.Sprintf("page%03d.html", i))
		if err := os.WriteFile(f, pages[k], 0o600); err != nil {
			t.Fatal(err)
		}
		names["page"+fmt.Sprintf("%03d", i)+".html"] = k
	}
	cmd := exec.Command(java, "-Xss4m", "-jar", vnuJar, "--errors-only", "--format", "json", dir)
	var out bytes.Buffer
	cmd.Stderr = &out // vnu writes its report to stderr
	runErr := cmd.Run()
	var report struct {
		Messages []vnuMessage `json:"messages"`
	}
	if err := json.Unmarshal(out.Bytes(), &report); err != nil {
		t.Fatalf("vnu: %v, output %q: %v", runErr, out.String(), err)
	}
	errs := 0
	for _, m := range report.Messages {
		if m.Type != "error" && m.SubType != "fatal" {
			continue
		}
		errs++
		t.Errorf("%s, line %d: %s\n\t%s", names[filepath.Base(m.URL)], m.LastLine, m.Message, strings.TrimSpace(m.Extract))
	}
	if errs == 0 && runErr != nil {
		t.Fatalf("vnu failed without a finding: %v\n%s", runErr, out.String())
	}
	t.Logf("the Nu HTML Checker read %d kinds of page: %d errors", len(pages), errs)
}
