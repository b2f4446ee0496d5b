// Package hydra holds the portal's interoperability test against Ory Hydra
// v2.3.0, an OpenID Certified provider written independently of the
// portal: real code flow, groups mapped to roles, sign-out in headless
// Chromium across origins, back-channel logout, a wrong client secret and
// a denied consent. Hydra is built from the Go module proxy by the nested
// module in tool/ and cached by version; it runs on its own PostgreSQL
// database, dropped afterwards. Under CI=true the test fails, never skips,
// when it cannot run.
package hydra
