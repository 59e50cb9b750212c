// Package roleflags holds what the role commands (outpost server, outpost
// agent) share about their command lines: secrets given as flags are moved
// out of argv by re-executing the process with them in an inherited pipe,
// and the node's config file, decoded once with the typed configuration
// of services/config, sets every option whose flag the command line left
// unset, through a mapping each role writes in Go.
package roleflags
