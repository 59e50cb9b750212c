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
// What the sources hold is decoded from bytes or an fs.FS, so it is tested
// on fixture files: cloud-init user-data and network-config by package
// cloudinit, NoCloud meta-data, OpenStack meta_data.json and
// network_data.json and IMDS answers here. Labelled volumes (cidata,
// config-2) are found and opened by package volume.
package metadata
