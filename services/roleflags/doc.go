// Package roleflags holds what the role commands (outpost server, outpost
// agent) share about their command lines: secrets given as flags are moved
// out of argv by re-executing the process with them in an inherited pipe,
// and the node's config file fills every flag the command line left unset.
package roleflags
