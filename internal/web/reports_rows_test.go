package web

import (
	"strings"
	"testing"
)

// A report's table body, written in Go for speed, escapes what partners
// and students typed as the template would, and links only the portal's
// own paths.
func TestReportRowsAreEscapedAndLinkOnlyPortalPaths(t *testing.T) {
	got := string(reportRowsHTML([][]reportCell{
		{{Text: `Lille <Nord> & "Co"`, Link: "/electives/7"}, {Text: "12", Num: true, Link: "/review?stage=nominated&period=3"}, {Text: "x", Link: "javascript:alert(1)"}},
	}))
	want := "\n  <tr><th scope=\"row\"><a href=\"/electives/7\">Lille &lt;Nord&gt; &amp; &#34;Co&#34;</a></th>" +
		"<td class=\"num\"><a href=\"/review?stage=nominated&amp;period=3\">12</a></td><td>x</td></tr>"
	if got != want {
		t.Fatalf("rows\n%s\nwant\n%s", got, want)
	}
	marks := string(reportMarks([]reportBar{{Label: "<b>", Value: "3", Y: 0, TextY: 14, W: 120}}))
	if !strings.Contains(marks, `class="report-chart-label">&lt;b&gt;</text>`) || !strings.Contains(marks, `width="120" height="18"`) {
		t.Fatalf("marks %s", marks)
	}
}
