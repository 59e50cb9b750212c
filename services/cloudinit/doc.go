// Package cloudinit decodes what cloud-init's data sources hand a node:
// user-data (#cloud-config YAML with its outpost: section, multipart MIME,
// gzip, base64 and quoted-printable parts), the cloud-init keys Outpost
// acts on (hostname, fqdn, write_files, ntp), and network-config version 1
// and 2. Each decoder turns bytes into a config.Layer with the line of
// every key, so a problem is shown with where it came from; none reads a
// file or a device: the sources in services/metadata do.
package cloudinit
