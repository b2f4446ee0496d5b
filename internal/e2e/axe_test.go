package e2e

import (
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core 4.14.1 from npm (testdata/axe.min.js), injected into
// every page the tests check. The portal's Content-Security-Policy forbids
// inline scripts, but Runtime.evaluate of the DevTools protocol is not
// subject to it, so no CSP bypass is needed.
//
//go:embed testdata/axe.min.js
var axeSource string

// axeViolation is one rule that axe-core found broken on a page.
type axeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeNode struct {
	Target  []string `json:"target"`
	HTML    string   `json:"html"`
	Summary string   `json:"summary"`
}

const axeRunJS = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({
		target: n.target.map(x => typeof x === "string" ? x : JSON.stringify(x)),
		html: n.html, summary: n.failureSummary || "",
	})),
})))`

// axe injects axe-core into the page the tab shows, unless it is there
// already, and returns what it finds.
func (tb *tab) axe(label string) []axeViolation {
	tb.t.Helper()
	if !eval[bool](tb, `typeof window.axe === "object"`) {
		tb.do("inject axe-core", chromedp.Evaluate[chromedp.Void](axeSource))
		if !eval[bool](tb, `typeof window.axe === "object"`) {
			tb.t.Fatalf("%s: axe-core is not defined after its injection", label)
		}
	}
	found, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]axeViolation](axeRunJS, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: run axe-core: %v", label, err)
	}
	return found
}

// checkA11y runs axe-core on the page the tab shows and fails the test for
// every violation of serious or critical impact, naming the rule, its help
// and the selectors of the offending nodes. Lesser violations are logged.
func (tb *tab) checkA11y(label string) {
	tb.t.Helper()
	found := tb.axe(label)
	url := eval[string](tb, `location.href`)
	for _, v := range found {
		msg := formatViolation(v)
		if v.Impact == "serious" || v.Impact == "critical" {
			tb.t.Errorf("accessibility, %s (%s): %s", label, url, msg)
		} else {
			tb.t.Logf("accessibility (not failing), %s (%s): %s", label, url, msg)
		}
	}
}

func formatViolation(v axeViolation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s: %s (%s)", v.Impact, v.ID, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		html := n.HTML
		if len(html) > 160 {
			html = html[:160] + "…"
		}
		fmt.Fprintf(&b, "\n\t%s  %s", strings.Join(n.Target, " "), html)
		if n.Summary != "" {
			fmt.Fprintf(&b, "\n\t\t%s", strings.ReplaceAll(n.Summary, "\n", "\n\t\t"))
		}
	}
	return b.String()
}

// The checker itself: axe-core, injected into a portal page despite its
// Content-Security-Policy, finds violations planted in the page, so that a
// clean result elsewhere means something.
func TestAxeFindsPlantedViolations(t *testing.T) {
	t.Parallel()
	tb := newTab(t, startPortal(t))
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(tb.base+"/"))
	if err != nil {
		t.Fatalf("open /: %v", err)
	}
	if csp := fmt.Sprint(resp.Headers["Content-Security-Policy"]); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("the home page's Content-Security-Policy is %q; this test means to prove that axe-core runs under a CSP without inline scripts", csp)
	}
	tb.do("plant violations", chromedp.Evaluate[chromedp.Void](
		`document.querySelector("main").insertAdjacentHTML("beforeend", '<img id="planted-img" src="data:,"><button id="planted-button"></button>')`))
	byID := map[string]axeViolation{}
	for _, v := range tb.axe("home with planted violations") {
		byID[v.ID] = v
	}
	for _, want := range []struct{ id, target string }{{"image-alt", "#planted-img"}, {"button-name", "#planted-button"}} {
		v, ok := byID[want.id]
		if !ok {
			t.Errorf("axe-core did not report %s; it reported %v", want.id, byID)
			continue
		}
		if v.Impact != "critical" || len(v.Nodes) != 1 || strings.Join(v.Nodes[0].Target, " ") != want.target {
			t.Errorf("axe-core reported %s", formatViolation(v))
		}
	}
}
