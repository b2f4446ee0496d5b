package main

import (
	"html"

	"portal/internal/user"
)

// scenario is one kind of request the benchmark sends again and again.
// A later issue measures its page by adding one entry to scenarios.
type scenario struct {
	name string
	path string    // GET path, with its query if any
	as   user.Role // the persona to sign in as; "" for an anonymous visitor
	// want is text the response must contain, checked once before the run
	// so that the scenario provably measures what its name says (the right
	// page, the visitor signed in). It is given the persona (zero when
	// anonymous) and HTML-escaped text must be escaped here.
	want func(persona user.User) string
}

// scenarios run in this order; -run selects some by regular expression.
var scenarios = []scenario{
	{
		// The framework's ceiling: routing, middleware, no database.
		name: "healthz", path: "/healthz",
		want: func(user.User) string { return "ok" },
	},
	{
		name: "home-student", path: "/", as: user.Student,
		want: func(u user.User) string { return html.EscapeString(u.Name) },
	},
}
