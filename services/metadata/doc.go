// Package metadata reads the node configuration from the places an edge box
// or a VM finds it at boot, one Source per file (Talos style): the kernel
// command line (and the file it may name with outpost.config_url), QEMU
// fw_cfg, a NoCloud cidata volume or seed URL, an OpenStack config drive, an
// EC2-style IMDSv2 server, and the file on the state partition.
//
// Load runs them, merges their layers in the precedence of
// config.Precedence, validates the result and reports every problem with the
// source (and line) it came from, so PID 1 can show it in maintenance mode.
//
// The decoders of what the sources hold (cloud-init user-data with MIME,
// gzip and base64, NoCloud meta-data and network-config v1/v2, OpenStack
// meta_data.json and network_data.json, IMDS answers) work on bytes or an
// fs.FS so they are tested on fixture files; device discovery reads
// filesystem labels from the superblock itself, since there is no udev.
package metadata
