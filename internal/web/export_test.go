package web

// OnRender calls f with the name of every page and fragment the server
// renders from now on: the translation test checks it saw them all.
func (s *Server) OnRender(f func(name string)) { s.render.onRender(f) }

// PageNames are every page and fragment the renderer knows.
func PageNames() []string {
	var out []string
	for _, p := range pageNames {
		out = append(out, string(p))
	}
	for _, f := range fragmentNames {
		out = append(out, string(f))
	}
	return out
}
