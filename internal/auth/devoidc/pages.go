package devoidc

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
)

// pageHTML is the one layout of every page the provider shows. It has no
// script and no inline style because the portal's Content-Security-Policy
// forbids both, and it keeps the landmarks axe-core asks for.
const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body>
<main>
<h1>{{.Heading}}</h1>
{{with .Message}}<p>{{.}}</p>
{{end}}{{if .Users}}<p>Signing in to {{.ClientID}}. This page exists only in development mode.</p>
<h2>Choose a demo user</h2>
<form method="post" action="authorize">
{{range $name, $value := .Hidden}}<input type="hidden" name="{{$name}}" value="{{$value}}">
{{end}}<ul>
{{range .Users}}<li><button type="submit" name="username" value="{{.Username}}">{{.Name}} ({{.Username}}, role: {{join .Groups ", "}})</button></li>
{{end}}</ul>
</form>
{{end}}</main>
</body>
</html>
`

// page is what pageHTML shows.
type page struct {
	Title, Heading, Message string
	ClientID                string
	Hidden                  map[string]string
	Users                   []User
}

// parsePages parses pageHTML; each provider has its own copy.
func parsePages() (*template.Template, error) {
	return template.New("page").Funcs(template.FuncMap{"join": strings.Join}).Parse(pageHTML)
}

// picker shows the demo users, each a button that approves req as them.
func (p *Provider) picker(w http.ResponseWriter, status int, req authRequest, message string) {
	p.render(w, status, page{
		Title:    "Development sign-in",
		Heading:  "Development sign-in",
		Message:  message,
		ClientID: req.ClientID,
		Hidden:   req.hidden(),
		Users:    p.users,
	})
}

// errorPage shows a problem that must not be sent back to the client.
func (p *Provider) errorPage(w http.ResponseWriter, status int, message string) {
	p.render(w, status, page{Title: "Sign-in error – Development sign-in", Heading: "Development sign-in", Message: message})
}

// signedOutPage ends a sign-out that has nowhere to go back to.
func (p *Provider) signedOutPage(w http.ResponseWriter) {
	p.render(w, http.StatusOK, page{Title: "Signed out – Development sign-in", Heading: "You are signed out", Message: "You can close this page."})
}

// render writes the whole page or, if it fails, only an error.
func (p *Provider) render(w http.ResponseWriter, status int, data page) {
	var buf bytes.Buffer
	if err := p.pages.Execute(&buf, data); err != nil {
		http.Error(w, "cannot render page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// No form-action: browsers apply it to the redirect that follows the
	// POST, which goes to the relying party on another origin.
	h.Set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
