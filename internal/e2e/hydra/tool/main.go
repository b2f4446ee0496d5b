// Command hydra is Ory Hydra v2.3.0, an OpenID Certified provider written
// independently of the portal, built from the Go module proxy for the
// interoperability test in the parent directory. It is a module of its own
// so that ./... of the portal neither builds nor vets it.
package main

import "github.com/ory/hydra/v2/cmd"

func main() { cmd.Execute() }
