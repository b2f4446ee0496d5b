package web

import (
	"strings"
	"testing"
	"testing/fstest"
)

// templatesFS is a template tree with every page and fragment the code
// names, each trivial.
func templatesFS() fstest.MapFS {
	fsys := fstest.MapFS{
		"templates/layout.html": {Data: []byte(`<html>{{block "main" .}}{{end}}</html>`)},
	}
	var defs strings.Builder
	for _, f := range fragmentNames {
		defs.WriteString(`{{define "` + string(f) + `"}}` + string(f) + `{{end}}`)
	}
	fsys["templates/partials/fragments.html"] = &fstest.MapFile{Data: []byte(defs.String())}
	for _, p := range pageNames {
		fsys["templates/pages/"+string(p)+".html"] = &fstest.MapFile{Data: []byte(`{{define "main"}}` + string(p) + `{{end}}`)}
	}
	return fsys
}

// A page file without its constant, a constant without its file, or a
// fragment no partial defines stops the portal at start-up: a misspelt
// name is met by the first test that starts a server, not by a visitor.
func TestTheRendererRefusesToStartOnANameItCannotRender(t *testing.T) {
	t.Parallel()
	a, err := newAssets(fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newRenderer(templatesFS(), a, nil); err != nil {
		t.Fatalf("every page and fragment present: %v", err)
	}
	for name, change := range map[string]func(fstest.MapFS){
		"a page without a constant": func(f fstest.MapFS) { f["templates/pages/walet.html"] = &fstest.MapFile{Data: []byte("x")} },
		"a constant without a page": func(f fstest.MapFS) { delete(f, "templates/pages/wallet.html") },
		"a fragment no partial defines": func(f fstest.MapFS) {
			f["templates/partials/fragments.html"] = &fstest.MapFile{Data: []byte(`{{define "catalog_fragment"}}{{end}}`)}
		},
	} {
		fsys := templatesFS()
		change(fsys)
		if _, err := newRenderer(fsys, a, nil); err == nil {
			t.Errorf("%s: the renderer started", name)
		}
	}
}
