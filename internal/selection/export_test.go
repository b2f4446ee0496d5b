package selection

import "context"

// AutomateUnlocked is Automate past its advisory lock, so that a test can
// run it twice at once and see the round's row lock keep each seat whole.
func AutomateUnlocked(s *Service) func(context.Context) (AutoReport, error) { return s.automate }
