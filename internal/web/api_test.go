package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"portal/internal/api"
	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/ewp"
	"portal/internal/ewp/ewptest"
	"portal/internal/i18n"
	"portal/internal/user"
	"portal/internal/wiring"
)

// contract checks every API response the tests receive against the
// OpenAPI document the portal serves.
type contract struct {
	t      *testing.T
	p      *portal
	router routers.Router
}

func newContract(t *testing.T, p *portal) *contract {
	res, err := http.Get(p.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("the OpenAPI document does not load: %v", err)
	}
	if err := doc.Validate(context.Background(), openapi3.IsOpenAPI31OrLater()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	// An EWP document is checked against its XSD (ewptest); here only
	// that it is declared, as a string. The decoders are the library's
	// global: registered once, before any parallel test validates.
	xmlDecoder.Do(func() {
		openapi3filter.RegisterBodyDecoder("application/xml", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(r)
			return string(b), err
		})
	})
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &contract{t: t, p: p, router: r}
}

var xmlDecoder sync.Once

type apiAnswer struct {
	status int
	body   []byte
	header http.Header
}

func (a apiAnswer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, a.body)
	}
}

// apiRow is what the tests read of an application.
type apiRow struct {
	ID      int64
	Version int
	Stage   string
	Events  []json.RawMessage
}

func (a apiAnswer) code(t *testing.T) string {
	var e struct {
		Error struct{ Code string }
	}
	a.decode(t, &e)
	return e.Error.Code
}

// call sends a request with token and validates the answer against the document.
func (k *contract) call(method, path, token string, body any) apiAnswer {
	k.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, k.p.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		k.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	route, params, err := k.router.FindRoute(req)
	if err != nil {
		k.t.Fatalf("%s %s is not in the OpenAPI document: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(b)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		k.t.Errorf("%s %s answered %d against the OpenAPI document: %v\n%s", method, path, res.StatusCode, err, b)
	}
	return apiAnswer{res.StatusCode, b, res.Header}
}

func TestTheAPIKeepsThePagesAccessRulesAndItsContract(t *testing.T) {
	p := startPortal(t, "sqlite", wiring.Options{})
	k := newContract(t, p)
	ctx := context.Background()
	g := p.App.DB.DB
	now := time.Now().UTC()
	person := func(subject string, roles ...user.Role) *user.User {
		u := &user.User{Issuer: "test", Subject: subject, Email: subject + "@example.edu", Name: subject, CreatedAt: now, UpdatedAt: now}
		if err := g.Create(u).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range roles {
			p.exec("INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, ?, ?)", u.ID, string(r), now)
		}
		u.Roles = roles
		return u
	}
	officer, alice, bob := person("officer", user.Office), person("alice", user.Student), person("bob", user.Student)
	tokens := api.NewService(p.App.DB, p.App.Users, api.Options{})
	mint := func(u *user.User, scope api.Scope) string {
		var plain string
		var err error
		if u.Has(user.Office) {
			plain, _, err = tokens.Create(ctx, u, 0, api.CreateInput{Name: "t", Scope: string(scope), Days: 30}, auditMeta())
		} else {
			plain, _, err = tokens.Create(ctx, nil, u.ID, api.CreateInput{Name: "t", Scope: string(scope), Days: 30}, auditMeta())
		}
		if err != nil {
			t.Fatal(err)
		}
		return plain
	}
	officeW, officeR, aliceW := mint(officer, api.Write), mint(officer, api.Read), mint(alice, api.Write)

	home := catalog.Institution{NameEN: "Home", Country: "TW", Kind: "university", Identifier: "home-med.edu.tw", IsHome: true, CreatedAt: now, UpdatedAt: now}
	host := catalog.Institution{NameEN: "Kumamoto University", Country: "JP", Kind: "university", Identifier: "kumamoto-u.ac.jp", CreatedAt: now, UpdatedAt: now}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(g.Create(&home).Error)
	must(g.Create(&host).Error)
	deal := catalog.Agreement{InstitutionID: host.ID, Kind: "student_exchange", Title: "Exchange", ValidFrom: now.AddDate(-1, 0, 0), ValidUntil: now.AddDate(2, 0, 0), QuotaOut: 3, CreatedAt: now, UpdatedAt: now}
	must(g.Create(&deal).Error)
	el := catalog.Elective{Direction: "outgoing", InstitutionID: host.ID, AgreementID: &deal.ID, Kind: "clinical_elective", TitleEN: "Hepatology", Specialty: "internal_medicine",
		Language: "en", DurationWeeks: 4, OpensOn: now, ClosesOn: now.AddDate(0, 1, 0), CreatedAt: now, UpdatedAt: now}
	must(g.Create(&el).Error)
	day := now.AddDate(0, 3, 0).Truncate(24 * time.Hour)
	per := catalog.Period{ElectiveID: el.ID, StartsOn: day, EndsOn: day.AddDate(0, 0, 27), Capacity: 2, CreatedAt: now, UpdatedAt: now}
	must(g.Create(&per).Error)
	app := func(u *user.User, stage application.Stage) int64 {
		a := application.Application{ApplicantID: u.ID, Direction: "outgoing", Status: stage, Version: 3, Specialty: "internal_medicine", CurrentChoice: 1,
			StageSince: now, SubmittedAt: &now, CreatedAt: now, UpdatedAt: now}
		if stage == application.Nominated {
			a.NominatedAt = &now
		}
		must(g.Create(&a).Error)
		c := application.Choice{ApplicationID: a.ID, Rank: 1, ElectiveID: el.ID, PeriodID: per.ID}
		if stage == application.Nominated {
			c.NominatedAt = &now
		}
		must(g.Create(&c).Error)
		return a.ID
	}
	alices, bobs := app(alice, application.OfficeReview), app(bob, application.Nominated)
	path := func(id int64, rest string) string { return "/api/v1/applications/" + itoa(id) + rest }

	t.Run("a request without a live token is refused with the coded error", func(t *testing.T) {
		if a := k.call("GET", "/api/v1/institutions", "", nil); a.status != 401 || a.code(t) != "unauthorized" {
			t.Errorf("no token: %d %s", a.status, a.body)
		}
		if a := k.call("GET", "/api/v1/institutions", "ptk_forged", nil); a.status != 401 {
			t.Errorf("a forged token: %d", a.status)
		}
	})

	t.Run("the catalog lists institutions with their SCHAC ids", func(t *testing.T) {
		a := k.call("GET", "/api/v1/institutions", aliceW, nil)
		if a.status != 200 || !strings.Contains(string(a.body), `"schac_id":"kumamoto-u.ac.jp"`) {
			t.Errorf("%d %s", a.status, a.body)
		}
		if a := k.call("GET", "/api/v1/agreements", aliceW, nil); a.status != 403 {
			t.Errorf("a student reads agreements: %d", a.status)
		}
		if a := k.call("GET", "/api/v1/agreements", officeR, nil); a.status != 200 || !strings.Contains(string(a.body), `"quota_out":3`) {
			t.Errorf("the office reads agreements: %d %s", a.status, a.body)
		}
		k.call("GET", "/api/v1/electives?institution="+itoa(host.ID), aliceW, nil)
		if a := k.call("GET", "/api/v1/electives/"+itoa(el.ID)+"/periods", aliceW, nil); a.status != 200 || !strings.Contains(string(a.body), `"capacity":2`) {
			t.Errorf("periods: %d %s", a.status, a.body)
		}
	})

	t.Run("a student's token sees their own applications only", func(t *testing.T) {
		var list struct{ Items []apiRow }
		a := k.call("GET", "/api/v1/applications", aliceW, nil)
		a.decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != alices {
			t.Errorf("alice lists %s", a.body)
		}
		if a := k.call("GET", path(bobs, ""), aliceW, nil); a.status != 404 || a.code(t) != "not_found" {
			t.Errorf("alice reads bob's application: %d %s", a.status, a.body)
		}
		if a := k.call("POST", path(bobs, "/withdraw"), aliceW, map[string]any{"version": 3}); a.status != 404 {
			t.Errorf("alice withdraws bob's application: %d %s", a.status, a.body)
		}
		if a := k.call("GET", path(bobs, "/ewp"), aliceW, nil); a.status != 404 {
			t.Errorf("alice reads bob's EWP nomination: %d", a.status)
		}
	})

	t.Run("the office pages through its queue by keyset", func(t *testing.T) {
		var first, second struct {
			Items []apiRow
			Next  string
		}
		k.call("GET", "/api/v1/applications?limit=1", officeR, nil).decode(t, &first)
		if len(first.Items) != 1 || first.Next == "" {
			t.Fatalf("first page: %+v", first)
		}
		k.call("GET", "/api/v1/applications?limit=1&after="+first.Next, officeR, nil).decode(t, &second)
		if len(second.Items) != 1 || second.Items[0].ID == first.Items[0].ID {
			t.Errorf("the second page repeats or is empty: %+v then %+v", first, second)
		}
		if a := k.call("GET", "/api/v1/applications?stage=nominated", officeR, nil); !strings.Contains(string(a.body), `"id":`+itoa(bobs)) || strings.Contains(string(a.body), `"id":`+itoa(alices)+",") {
			t.Errorf("the stage filter: %s", a.body)
		}
	})

	t.Run("a transition carries the version and is refused like a page's", func(t *testing.T) {
		if a := k.call("POST", path(alices, "/return"), officeR, map[string]any{"version": 3, "comment": "fix"}); a.status != 403 || a.code(t) != "forbidden" {
			t.Errorf("a read token changes something: %d %s", a.status, a.body)
		}
		a := k.call("POST", path(alices, "/return"), officeW, map[string]any{"version": 3, "comment": "Add your transcript."})
		var d apiRow
		a.decode(t, &d)
		if a.status != 200 || d.Stage != "returned" || d.Version != 4 || len(d.Events) == 0 {
			t.Fatalf("the office returns alice's application: %d %s", a.status, a.body)
		}
		if a := k.call("POST", path(alices, "/reject"), officeW, map[string]any{"version": 3, "comment": "late"}); a.status != 409 || a.code(t) != "conflict" {
			t.Errorf("a stale version: %d %s", a.status, a.body)
		}
		if n := p.count("SELECT COUNT(*) FROM audit_events WHERE action = 'api.token.use'"); n < 10 {
			t.Errorf("every use is audited, found %d", n)
		}
	})

	t.Run("the office reads a nomination and an agreement as EWP", func(t *testing.T) {
		must(ewp.NewService(p.App.DB, ewp.Options{}).SetStudent(ctx, officer, ewp.StudentFacts{UserID: bob.ID, GivenNames: "Bob", FamilyName: "Lin",
			GivenNamesLocal: "柏", FamilyNameLocal: "林", LocalLang: "zh-Hant", BirthDate: time.Date(2002, 5, 1, 0, 0, 0, 0, time.UTC), Nationality: "TW"}))
		a := k.call("GET", path(bobs, "/ewp"), officeR, nil)
		if a.status != 200 {
			t.Fatalf("%d %s", a.status, a.body)
		}
		ewptest.Validate(t, ewptest.Omobilities, a.body)
		if j := k.call("GET", path(bobs, "/ewp?format=json"), officeR, nil); !strings.Contains(string(j.body), `"status":"pending"`) {
			t.Errorf("json: %s", j.body)
		}
		b := k.call("GET", "/api/v1/agreements/"+itoa(deal.ID)+"/ewp", officeR, nil)
		if b.status != 200 {
			t.Fatalf("%d %s", b.status, b.body)
		}
		ewptest.Validate(t, ewptest.IIAs, b.body)
	})

	t.Run("the office's API reads and EWP exports are in the students' disclosure logs, their own reads are not", func(t *testing.T) {
		logOf := func(u *user.User, action string) int64 {
			return p.count("SELECT COUNT(*) FROM privacy_disclosures WHERE person_id = ? AND action = ? AND actor LIKE '%officer%'", u.ID, action)
		}
		if n := logOf(alice, "api.read"); n < 2 {
			t.Errorf("alice's log holds %d API reads by the office, want the queue's and the transition's", n)
		}
		if n := p.count("SELECT COUNT(*) FROM privacy_disclosures WHERE person_id = ? AND actor LIKE '%alice%'", alice.ID); n != 0 {
			t.Errorf("alice reading her own applications made %d entries of her log", n)
		}
		if n := logOf(bob, "ewp.exported"); n != 2 {
			t.Errorf("bob's log holds %d EWP exports, want the XML's and the JSON's", n)
		}
		if n := p.count("SELECT COUNT(*) FROM privacy_disclosures WHERE person_id = ? AND object LIKE '%kumamoto-u.ac.jp%'", bob.ID); n != 2 {
			t.Errorf("the EWP entries do not name the host: %d", n)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func auditMeta() audit.Meta { return audit.Meta{IP: "127.0.0.1"} }

func TestTheOfficeMakesATokenSeenOnceThatOpensTheAPIUntilRevoked(t *testing.T) {
	p := startPortal(t, "sqlite", wiring.Options{})
	k := newContract(t, p)
	b := p.browser()
	b.signIn("office")
	form := b.get("/api/tokens")
	wantStatus(t, form, 200)
	refused := b.post("/api/tokens", url.Values{"_csrf": {form.csrf(t)}, "name": {"nightly sync"}, "scope": {"admin"}, "days": {"900"}})
	wantStatus(t, refused, 422)
	if !strings.Contains(refused.Body, `value="nightly sync"`) || p.count("SELECT COUNT(*) FROM api_tokens") != 0 {
		t.Fatal("a refused token keeps what was typed and stores nothing")
	}
	made := b.post("/api/tokens", url.Values{"_csrf": {form.csrf(t)}, "name": {"nightly sync"}, "scope": {"read"}, "days": {"30"}})
	wantStatus(t, made, 200)
	secret := regexp.MustCompile(`ptk_[A-Za-z0-9_-]+`).FindString(made.Body)
	if secret == "" || p.count("SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?", sha256Hex(secret)) != 1 {
		t.Fatalf("the token is shown once and kept hashed:\n%s", made.Body)
	}
	if again := b.get("/api/tokens"); strings.Contains(again.Body, secret) {
		t.Error("the secret is shown again")
	}
	if a := k.call("GET", "/api/v1/agreements", secret, nil); a.status != 200 {
		t.Fatalf("the new token reads: %d %s", a.status, a.body)
	}
	id := p.count("SELECT id FROM api_tokens")
	wantStatus(t, b.post("/api/tokens/"+itoa(id)+"/revoke", url.Values{"_csrf": {form.csrf(t)}}), 200)
	if a := k.call("GET", "/api/v1/agreements", secret, nil); a.status != 401 {
		t.Errorf("a revoked token still reads: %d", a.status)
	}
	student := p.browser()
	student.signIn("student")
	wantStatus(t, student.get("/api/tokens"), 403)
}

// TestAPIReferenceReadsTheDocument: the reference page lists every
// operation and schema of the OpenAPI document, linked from the tokens
// page, readable without signing in, in the reader's language.
func TestAPIReferenceReadsTheDocument(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{})
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		}
		Components struct{ Schemas map[string]any }
	}
	if err := json.Unmarshal([]byte(p.browser().get("/api/openapi.json").Body), &doc); err != nil {
		t.Fatal(err)
	}
	ja := p.browser()
	ja.Language = "ja"
	pg := ja.get("/api/reference")
	wantStatus(t, pg, http.StatusOK)
	wantText(t, pg, i18n.Japanese, "api.reference.title")
	ops := 0
	for path, methods := range doc.Paths {
		for method, op := range methods {
			ops++
			want := `<h3 id="op-` + op.OperationID + `"><code>` + strings.ToUpper(method) + " " + html.EscapeString(path) + `</code></h3>`
			if !strings.Contains(pg.Body, want) {
				t.Errorf("the reference lacks %s %s: want %s", method, path, want)
			}
		}
	}
	if ops < 9 {
		t.Errorf("the document has %d operations, want the API's 9 at least", ops)
	}
	for name := range doc.Components.Schemas {
		if !strings.Contains(pg.Body, `id="schema-`+name+`"`) {
			t.Errorf("the reference lacks the schema %s", name)
		}
	}
	// A response's schema links to its description on the page.
	if !strings.Contains(pg.Body, `<a href="#schema-Application"><code>Application</code></a>`) {
		t.Errorf("the transition's answer does not link to the Application schema")
	}
	office := p.browser()
	office.signIn("office")
	if tokens := office.get("/api/tokens"); !strings.Contains(tokens.Body, `href="/api/reference"`) {
		t.Errorf("the tokens page does not link to the reference")
	}
}
