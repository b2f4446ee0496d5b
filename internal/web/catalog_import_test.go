package web_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/traditionalchinese"

	"portal/internal/catalog"
	"portal/internal/i18n"
	"portal/internal/wiring"
)

// importDay is a date relative to today, as an import file writes it.
func importDay(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly) }

// importRows are n rows of n/2 new electives of two periods each, at
// Kumamoto under its exchange agreement of the demo catalog.
func importRows(n int) []catalog.ImportRow {
	rows := make([]catalog.ImportRow, 0, n)
	for i := 0; i < n; i++ {
		r := catalog.ImportRow{
			ElectiveRef: fmt.Sprintf("IMP-%05d", i/2), Institution: "kumamoto-u.ac.jp",
			Agreement: "Student Exchange Agreement between the Colleges of Medicine", Kind: "clinical_elective",
			TitleEN: fmt.Sprintf("Imported elective %d", i/2), TitleZH: fmt.Sprintf("匯入選修 %d", i/2),
			Specialty: "hepatology", Language: "ja", LanguageLevel: "JLPT N3", MinYear: "5", DurationWeeks: "4",
			RequiredDocs: "transcript;cv", FeeAmount: "0", OpensOn: importDay(-1), ClosesOn: importDay(30),
			PeriodStart: importDay(60), PeriodEnd: importDay(87), Capacity: "2",
		}
		if i%2 == 1 {
			r.PeriodStart, r.PeriodEnd = importDay(100), importDay(127)
		}
		rows = append(rows, r)
	}
	return rows
}

func importCSV(t *testing.T, rows []catalog.ImportRow) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := catalog.WriteCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts a file to the import form as a browser does: multipart,
// with the token in the form, or in the X-CSRF-Token header as the
// progress script sends it. It follows the redirect.
func (b *browser) upload(token, name string, content []byte, inHeader bool) *page {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if !inHeader {
		if err := w.WriteField("_csrf", token); err != nil {
			b.t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := fw.Write(content); err != nil {
		b.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.abs("/manage/import"), &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	if inHeader {
		req.Header.Set("X-CSRF-Token", token)
	}
	if b.Language != "" {
		req.Header.Set("Accept-Language", b.Language)
	}
	b.trail = nil
	res, err := b.follow.Do(req)
	if err != nil {
		b.t.Fatalf("upload %s: %v", name, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{Status: res.StatusCode, URL: res.Request.URL, Header: res.Header, Body: string(raw), Trail: b.trail}
}

var commitAction = regexp.MustCompile(`action="(/manage/import/\d+/commit)"`)

// commitPath is the commit form's action on a preview, "" when it has none.
func commitPath(pg *page) string {
	if m := commitAction.FindStringSubmatch(pg.Body); m != nil {
		return m[1]
	}
	return ""
}

func (p *portal) importedElectives() int64 {
	return p.count("SELECT COUNT(*) FROM electives WHERE title_en LIKE 'Imported elective%'")
}

// TestImportPreviewThenCommit uploads a CSV, sees its preview with nothing
// written, commits it, and commits again as a double click would.
func TestImportPreviewThenCommit(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		b.signIn("office")
		pg := b.get("/manage/import")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "import.title")
		if !strings.Contains(pg.Body, `enctype="multipart/form-data"`) || !strings.Contains(pg.Body, `accept=".csv,.xlsx`) ||
			!regexp.MustCompile(`<script src="/static/js/upload-progress\.[0-9a-f]+\.js" defer></script>`).MatchString(pg.Body) ||
			!strings.Contains(pg.Body, `<progress id="upload-bar"`) {
			t.Errorf("the import form lacks its multipart form, accept list, progress bar or script:\n%s", pg.Body)
		}
		before := p.count("SELECT COUNT(*) FROM electives")

		pg = b.upload(pg.csrf(t), "new electives.csv", importCSV(t, importRows(6)), false)
		wantStatus(t, pg, http.StatusOK)
		if !regexp.MustCompile(`^/manage/import/\d+$`).MatchString(pg.URL.Path) {
			t.Fatalf("the upload ended on %s, want its preview", pg.URL)
		}
		wantText(t, pg, i18n.English, "import.preview.heading", "new electives.csv")
		wantText(t, pg, i18n.English, "import.preview.summary", 6, 3, 6)
		wantText(t, pg, i18n.English, "import.preview.commit", 3, 6)
		if !strings.Contains(pg.Body, "Imported elective 2") || !strings.Contains(pg.Body, "匯入選修 0") {
			t.Errorf("the preview does not list the electives:\n%s", pg.Body)
		}
		if n := p.count("SELECT COUNT(*) FROM electives"); n != before {
			t.Fatalf("the preview wrote electives: %d, want %d", n, before)
		}
		commit := commitPath(pg)
		if commit == "" {
			t.Fatalf("no commit form on the preview:\n%s", pg.Body)
		}
		token := pg.csrf(t)

		pg = b.post(commit, url.Values{"_csrf": {token}})
		if pg.URL.Path != "/manage/electives" {
			t.Errorf("the commit ended on %s, want /manage/electives", pg.URL)
		}
		wantText(t, pg, i18n.English, "flash.import.done")
		if n := p.importedElectives(); n != 3 {
			t.Errorf("%d imported electives, want 3", n)
		}
		if n := p.count("SELECT COUNT(*) FROM periods p JOIN electives e ON e.id = p.elective_id WHERE e.title_en LIKE 'Imported elective%'"); n != 6 {
			t.Errorf("%d imported periods, want 6", n)
		}
		detail, actor := p.lastAudit(catalog.AuditImportCommit)
		if actor == nil || *actor != p.userID("demo-office") || !strings.Contains(detail, `"electives":3`) {
			t.Errorf("audit of the commit: by %v, %s", actor, detail)
		}

		// A double click: the second commit adds nothing and says so.
		pg = b.post(commit, url.Values{"_csrf": {token}})
		wantText(t, pg, i18n.English, "flash.import.already_done")
		if n := p.importedElectives(); n != 3 {
			t.Errorf("%d imported electives after a second commit, want 3", n)
		}
		if n := p.audits(catalog.AuditImportCommit); n != 1 {
			t.Errorf("%d commits audited, want 1", n)
		}
		pg = b.get(strings.TrimSuffix(commit, "/commit"))
		wantStatus(t, pg, http.StatusOK)
		if commitPath(pg) != "" {
			t.Error("a committed import still offers its commit button")
		}
	})
}

// TestImportBadInput covers the files an office really sends: a bad row
// among good ones, broken CSV, Big5 from Excel, a BOM, an XLSX workbook.
func TestImportBadInput(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		b.signIn("office")
		token := b.get("/manage/import").csrf(t)

		// One bad row among forty: the preview names it; nothing can be
		// committed, even by posting the commit by hand.
		rows := importRows(40)
		rows[24].Capacity = "-1"
		pg := b.upload(token, "bad.csv", importCSV(t, rows), false)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "import.preview.errors_lede", 1, 1)
		wantText(t, pg, i18n.English, "catalog.err.capacity_negative")
		if !strings.Contains(pg.Body, "<th scope=\"row\">26</th>") {
			t.Errorf("the preview does not name line 26:\n%s", pg.Body)
		}
		if commitPath(pg) != "" {
			t.Error("a preview with errors offers to commit")
		}
		pg = b.post(pg.URL.Path+"/commit", url.Values{"_csrf": {token}})
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "flash.import.refused")
		if n := p.importedElectives(); n != 0 {
			t.Fatalf("%d electives written from a file with a bad row", n)
		}

		// Broken CSV: the form again, with the line, tied to the field.
		broken := string(importCSV(t, importRows(4)))
		broken = strings.Replace(broken, "Imported elective 1", `"Imported elective 1`, 1)
		pg = b.upload(token, "broken.csv", []byte(broken), false)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "import.err.quote", 4)
		if !strings.Contains(pg.Body, `aria-invalid="true"`) || !strings.Contains(pg.Body, `aria-describedby="file-hint file-error"`) ||
			!strings.Contains(pg.Body, `class="error-summary"`) {
			t.Errorf("the refused upload's message is not tied to the field:\n%s", pg.Body)
		}
		pg = b.upload(token, "notes.csv", []byte("\xff\xfe\xfd\xfc garbage"), false)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		pg = b.upload(token, "empty.csv", nil, false)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "import.err.empty")

		// Too large: an 11 MB file is refused with the limit; a body past
		// the route's 20 MB is cut off before it is read.
		pg = b.upload(token, "huge.csv", bytes.Repeat([]byte("x,"), 11<<19), true)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "import.err.too_large", 10)
		pg = b.upload(token, "huger.csv", bytes.Repeat([]byte("x,"), 21<<19), true)
		wantStatus(t, pg, http.StatusRequestEntityTooLarge)

		// Big5, as Excel in Taiwan saves CSV: read, said so, Chinese intact.
		big5, err := traditionalchinese.Big5.NewEncoder().Bytes(bytes.TrimPrefix(importCSV(t, importRows(2)), []byte("\uFEFF")))
		if err != nil {
			t.Fatal(err)
		}
		b.Language = "zh-TW"
		pg = b.upload(token, "big5.csv", big5, true)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.TraditionalChinese, "import.preview.read_as.big5")
		wantText(t, pg, i18n.TraditionalChinese, "import.preview.commit", 1, 2)
		if !strings.Contains(pg.Body, "匯入選修 0") {
			t.Errorf("the Chinese title did not survive Big5:\n%s", pg.Body)
		}
		b.Language = ""

		// An XLSX workbook, as the export writes it.
		var xlsx bytes.Buffer
		if err := catalog.WriteXLSX(&xlsx, importRows(4)); err != nil {
			t.Fatal(err)
		}
		pg = b.upload(token, "electives.xlsx", xlsx.Bytes(), false)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "import.preview.commit", 2, 4)
		pg = b.post(commitPath(pg), url.Values{"_csrf": {token}})
		wantText(t, pg, i18n.English, "flash.import.done")
		if n := p.importedElectives(); n != 2 {
			t.Errorf("%d electives imported from the workbook, want 2", n)
		}
	})
}

// TestImportTenThousandRowsThroughTheForm uploads a 2.4 MB file, beyond
// the server's 1 MB limit for other forms, and times its preview and
// commit.
func TestImportTenThousandRowsThroughTheForm(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		b.signIn("office")
		token := b.get("/manage/import").csrf(t)
		data := importCSV(t, importRows(10_000))
		start := time.Now()
		pg := b.upload(token, "big.csv", data, true)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "import.preview.commit", 5000, 10_000)
		wantText(t, pg, i18n.English, "import.preview.more", 5000-20)
		t.Logf("%s: upload and preview of %.1f MB: %v", dialect, float64(len(data))/(1<<20), time.Since(start))
		start = time.Now()
		pg = b.post(commitPath(pg), url.Values{"_csrf": {token}})
		wantText(t, pg, i18n.English, "flash.import.done")
		t.Logf("%s: commit: %v", dialect, time.Since(start))
		if n := p.importedElectives(); n != 5000 {
			t.Errorf("%d electives imported, want 5,000", n)
		}
	})
}

// TestImportIsPrivateAndForOfficeOnly: another user's upload does not
// exist for them, unknown ids are 404, and nobody but the office and
// admins reaches any import or export route.
func TestImportIsPrivateAndForOfficeOnly(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		office, admin := p.browser(), p.browser()
		office.signIn("office")
		admin.signIn("admin")
		token := office.get("/manage/import").csrf(t)
		pg := office.upload(token, "mine.csv", importCSV(t, importRows(2)), false)
		wantStatus(t, pg, http.StatusOK)
		mine := pg.URL.Path

		adminToken := admin.get("/manage/import").csrf(t)
		for _, path := range []string{mine, "/manage/import/999999", "/manage/import/abc", "/manage/import/0"} {
			wantStatus(t, admin.get(path), http.StatusNotFound)
		}
		pg = admin.post(mine+"/commit", url.Values{"_csrf": {adminToken}})
		wantStatus(t, pg, http.StatusNotFound)
		if n := p.importedElectives(); n != 0 {
			t.Fatalf("another user committed the upload: %d electives", n)
		}

		for _, who := range []string{"student", "reviewer", "coordinator"} {
			b := p.browser()
			b.signIn(who)
			tok := b.get("/").csrf(t)
			for _, path := range []string{"/manage/import", "/manage/import/template.csv", mine, "/manage/export", "/manage/export.csv", "/manage/export.xlsx"} {
				pg := b.get(path)
				wantStatus(t, pg, http.StatusForbidden)
				wantText(t, pg, i18n.English, "error.forbidden.ask_office")
			}
			pg := b.upload(tok, "sneaky.csv", importCSV(t, importRows(2)), false)
			wantStatus(t, pg, http.StatusForbidden)
			pg = b.post(mine+"/commit", url.Values{"_csrf": {tok}})
			wantStatus(t, pg, http.StatusForbidden)
		}
		anon := p.browser()
		pg = anon.step(http.MethodGet, "/manage/export.csv", nil, nil)
		if pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.Header.Get("Location"), "/login?") {
			t.Errorf("anonymous export: %d to %q, want a redirect to sign in", pg.Status, pg.Header.Get("Location"))
		}
		if n := p.importedElectives(); n != 0 || p.count("SELECT COUNT(*) FROM catalog_imports") != 1 {
			t.Errorf("refused requests changed something: %d electives", n)
		}
	})
}

// TestExportDownloads exports the catalog after importing a title that is
// a formula, and checks the files and their neutralised cells.
func TestExportDownloads(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		b.signIn("admin")
		token := b.get("/manage/import").csrf(t)
		rows := importRows(2)
		rows[0].TitleEN, rows[1].TitleEN = "=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"
		rows[0].DescriptionEN, rows[1].DescriptionEN = "@SUM(1)", "@SUM(1)"
		pg := b.upload(token, "formula.csv", importCSV(t, rows), false)
		wantStatus(t, pg, http.StatusOK)
		pg = b.post(commitPath(pg), url.Values{"_csrf": {token}})
		wantText(t, pg, i18n.English, "flash.import.done")

		pg = b.get("/manage/export")
		wantStatus(t, pg, http.StatusOK)
		if !strings.Contains(pg.Body, `href="/manage/export.csv"`) || !strings.Contains(pg.Body, `href="/manage/export.xlsx"`) {
			t.Errorf("the export page does not offer both files:\n%s", pg.Body)
		}
		today := p.App.Zone.Date(time.Now()) // the portal's day (Taipei), not the machine's
		csvPage := b.get("/manage/export.csv")
		wantStatus(t, csvPage, http.StatusOK)
		if got := csvPage.Header.Get("Content-Disposition"); got != `attachment; filename="electives-`+today+`.csv"` {
			t.Errorf("CSV Content-Disposition = %q", got)
		}
		if !strings.HasPrefix(csvPage.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(csvPage.Body, "\uFEFF"+strings.Join(catalog.ImportColumns, ",")) {
			t.Errorf("the CSV export is %q starting %.80q", csvPage.Header.Get("Content-Type"), csvPage.Body)
		}
		for _, want := range []string{`'=cmd|' /C calc'!A0`, `'@SUM(1)`, "kumamoto-u.ac.jp", "肝"} {
			if !strings.Contains(csvPage.Body, want) {
				t.Errorf("the CSV export lacks %q", want)
			}
		}
		if strings.Contains(csvPage.Body, ",=cmd") || strings.Contains(csvPage.Body, ",@SUM") {
			t.Error("the CSV export has a cell that runs as a formula")
		}

		xlsxPage := b.get("/manage/export.xlsx")
		wantStatus(t, xlsxPage, http.StatusOK)
		if got := xlsxPage.Header.Get("Content-Disposition"); got != `attachment; filename="electives-`+today+`.xlsx"` {
			t.Errorf("XLSX Content-Disposition = %q", got)
		}
		wb, err := excelize.OpenReader(strings.NewReader(xlsxPage.Body))
		if err != nil {
			t.Fatalf("the XLSX export does not open: %v", err)
		}
		defer wb.Close()
		grid, err := wb.GetRows(wb.GetSheetList()[0])
		if err != nil {
			t.Fatal(err)
		}
		neutralised := 0
		for _, row := range grid {
			for _, v := range row {
				if v != "" && strings.ContainsAny(v[:1], "=+-@") {
					t.Errorf("XLSX cell %q would run as a formula", v)
				}
				if v == `'=cmd|' /C calc'!A0` || v == `'@SUM(1)` {
					neutralised++
				}
			}
		}
		if neutralised != 4 {
			t.Errorf("%d neutralised cells in the workbook, want 4 (two cells on the rows of two periods)", neutralised)
		}

		// The export imports back whole: every live outgoing elective of
		// the demo catalog and the formula one, once more.
		electives := p.count("SELECT COUNT(*) FROM electives WHERE direction = 'outgoing' AND retired_at IS NULL")
		periods := p.count("SELECT COUNT(*) FROM periods p JOIN electives e ON e.id = p.elective_id WHERE e.direction = 'outgoing' AND e.retired_at IS NULL AND p.retired_at IS NULL")
		pg = b.upload(token, "export.csv", []byte(csvPage.Body), false)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "import.preview.commit", electives, periods)

		tpl := b.get("/manage/import/template.csv")
		wantStatus(t, tpl, http.StatusOK)
		if got := tpl.Header.Get("Content-Disposition"); got != `attachment; filename="electives-template.csv"` {
			t.Errorf("template Content-Disposition = %q", got)
		}
		pg = b.upload(token, "electives-template.csv", []byte(tpl.Body), false)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "import.preview.commit", 1, 2)
	})
}
