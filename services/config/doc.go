// Package config owns the one typed node configuration of Outpost
// (/etc/outpost/config.yaml): its schema, parsing from YAML with line
// numbers, validation that reports every problem at once, the merge of
// layers from the metadata sources in a fixed precedence with the source of
// each key remembered, a masked rendering for `outpost config show`, and the
// atomic writer of the file.
//
// The metadata sources themselves live in services/metadata; this package
// knows nothing about where a layer came from except its source name.
package config
