package application

import "time"

// Now is the workflow's clock (Options.Now), for the pages that show how
// long an application has waited: the same "now" as its rules use.
func (s *Service) Now() time.Time { return s.clock() }
