package portal_test

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	portal "portal"
)

// colour finds a colour written out in CSS: #rgb to #rrggbbaa, rgb(),
// rgba(), hsl(), hsla().
var colour = regexp.MustCompile(`#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(`)

// Every colour is a custom property defined once, in app.css's :root, so
// that the palette is read (and its contrast checked) in one place.
func TestColoursAreCustomPropertiesOfAppCSS(t *testing.T) {
	sheets, err := fs.Glob(portal.Static, "static/css/*.css")
	if err != nil || len(sheets) == 0 {
		t.Fatalf("no stylesheets: %v", err)
	}
	appRoot := rootOfAppCSS(t)
	defined := map[string]string{}
	for _, p := range sheets {
		b, err := fs.ReadFile(portal.Static, p)
		if err != nil {
			t.Fatal(err)
		}
		css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(b), "")
		root := ""
		if m := regexp.MustCompile(`(?s):root\s*\{(.*?)\}`).FindStringSubmatch(css); m != nil {
			root = m[1]
		}
		if path.Base(p) != "app.css" && root != "" {
			t.Errorf("%s defines custom properties; the palette lives in app.css", p)
		}
		for _, m := range regexp.MustCompile(`(--[\w-]+)\s*:`).FindAllStringSubmatch(root, -1) {
			if where, ok := defined[m[1]]; ok {
				t.Errorf("%s is defined twice (%s and %s)", m[1], where, p)
			}
			defined[m[1]] = p
		}
		rest := strings.Replace(css, root, "", 1)
		for _, line := range strings.Split(rest, "\n") {
			if colour.MatchString(line) {
				t.Errorf("%s: a colour outside app.css's :root: %s", p, strings.TrimSpace(line))
			}
		}
		for _, m := range regexp.MustCompile(`var\((--[\w-]+)`).FindAllStringSubmatch(css, -1) {
			if !strings.Contains(appRoot, m[1]+":") {
				t.Errorf("%s uses %s, which app.css does not define", p, m[1])
			}
		}
	}
	if len(defined) == 0 {
		t.Error("app.css defines no custom properties")
	}
}

// rootOfAppCSS is the body of app.css's :root rule.
func rootOfAppCSS(t *testing.T) string {
	t.Helper()
	b, err := fs.ReadFile(portal.Static, "static/css/app.css")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s):root\s*\{(.*?)\}`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("app.css has no :root")
	}
	return m[1]
}

// The layout links the base sheet; each page links its area's sheets in its
// "styles" block and nowhere else. Every sheet linked exists, and every
// area sheet is linked by some page.
func TestPagesLinkTheirStylesheetsInTheHead(t *testing.T) {
	link := regexp.MustCompile(`static "(css/[^"]+)"`)
	styles := regexp.MustCompile(`(?s)\{\{define "styles"\}\}(.*?)\{\{end\}\}`)
	linked := map[string]bool{}
	files, err := fs.Glob(portal.Templates, "templates/*/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(files, "templates/layout.html") {
		b, err := fs.ReadFile(portal.Templates, p)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		if p != "templates/layout.html" {
			if m := styles.FindStringSubmatch(src); m != nil {
				for _, l := range link.FindAllStringSubmatch(m[1], -1) {
					linked[l[1]] = true
				}
				src = strings.Replace(src, m[0], "", 1)
			}
			if l := link.FindString(src); l != "" {
				t.Errorf("%s links %s outside its \"styles\" block, in the page's body", p, l)
			}
			continue
		}
		for _, l := range link.FindAllStringSubmatch(src, -1) {
			linked[l[1]] = true
		}
	}
	sheets, err := fs.Glob(portal.Static, "static/css/*.css")
	if err != nil {
		t.Fatal(err)
	}
	exists := map[string]bool{}
	for _, s := range sheets {
		exists[strings.TrimPrefix(s, "static/")] = true
		if !linked[strings.TrimPrefix(s, "static/")] {
			t.Errorf("no page links %s", s)
		}
	}
	for l := range linked {
		if !exists[l] {
			t.Errorf("a page links %s, which is not in static/", l)
		}
	}
}
