package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/internal/user"
)

// Step is something the visitor can do next, shown on the home page.
type Step struct {
	Title, Text, Path string
	Soon              bool // the section is announced but not open yet
}

// nextSteps says, per role, what the home page offers. Sections that later
// issues open flip Soon off and gain a Path.
var nextSteps = []struct {
	role       user.Role
	key, path  string
	comingSoon bool
}{
	{user.Student, "step.student.catalog", "/electives", false},
	{user.Student, "step.student.wallet", "/wallet", false},
	{user.Student, "step.student.apply", "/applications", false},
	{user.Incoming, "step.incoming.profile", "/incoming/profile", false},
	{user.Incoming, "step.incoming.request", "/rotations", false},
	{user.Incoming, "step.student.wallet", "/wallet", false},
	{user.Reviewer, "step.reviewer.queue", "/review", false},
	{user.Office, "step.office.nominate", "/review", false},
	{user.Office, "step.office.partners", "/manage", false},
	{user.Admin, "step.office.partners", "/manage", false},
	{user.Coordinator, "step.coordinator.calendar", "/calendar", false},
	{user.Admin, "step.admin.users", "/admin/users", false},
	{user.Admin, "step.admin.audit", "/admin/audit", false},
}

type homeView struct {
	Page
	Work      []homeSection // the worklist: what waits for the visitor now
	Steps     []Step
	NoRole    bool
	DemoUsers []demoChoice
	// Partners are the partner universities' sign-in buttons.
	Partners []partnerChoice
	// DemoPartner is the dev partner provider's demo student, signed in
	// with one click in dev mode.
	DemoPartner string
	Trends      *homeTrends // the office's key figures (home_trends.go)
}

type partnerChoice struct {
	Label, Path string
}

type demoChoice struct {
	Username, Name, Role string
}

// home greets the visitor: who they are, their roles and what they can do
// next; an anonymous visitor is offered sign-in (and demo users in dev mode).
func (s *Server) home(c echo.Context) error {
	v := homeView{Page: s.page(c, "home.title")}
	if u := visitorOf(c).User; u != nil {
		for _, st := range nextSteps {
			if u.Has(st.role) {
				v.Steps = append(v.Steps, Step{Title: v.T(st.key + ".title"), Text: v.T(st.key + ".text"), Path: st.path, Soon: st.comingSoon})
			}
		}
		v.NoRole = len(u.Roles) == 0
		work, err := s.homeWork(c, v.Page, u)
		if err != nil {
			return err
		}
		v.Work = work
		if v.Trends, err = s.homeTrendsFor(c, v.Page, u); err != nil {
			return err
		}
		stars, err := s.homeStars(c, v.Page) // stars.go
		if err != nil {
			return err
		}
		v.Work = append(v.Work, stars...)
	} else {
		for _, d := range s.DemoUsers {
			v.DemoUsers = append(v.DemoUsers, demoChoice{Username: d.Username, Name: d.Name, Role: roleLabel(s.bundle, v.Lang, d.Role)})
		}
		for _, p := range s.Auth.Partners() {
			v.Partners = append(v.Partners, partnerChoice{Label: p.Label, Path: partnerLoginPath(p.Name)})
		}
		if s.DevPartner != nil {
			v.DemoPartner = partnerLoginPath("demo-partner") + "?as=exchange"
		}
	}
	return s.render.render(c, http.StatusOK, pageHome, v)
}
