// Package portal holds the files that ship inside the binary: the templates
// and the static assets. It lives at the root because go:embed cannot reach
// parent directories.
package portal

import "embed"

// Templates are the html/template sources, parsed once at boot.
//
//go:embed templates
var Templates embed.FS

// Static holds css, images and vendored scripts, served with hashed URLs.
//
//go:embed static
var Static embed.FS
