// Package e2e holds the portal's end-to-end tests: a real Chromium drives a
// real portal in dev mode through the development OpenID provider, and every
// page the tests visit is checked with axe-core. The package has no code of
// its own; see the _test.go files.
//
// The tests need Chromium (Debian package chromium) or Google Chrome on PATH.
// Without one they skip, except under CI=true, where they fail.
package e2e
