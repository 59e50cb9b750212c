//go:build !initramfs

package main

// roleCommands lists the commands that carry Kubernetes (server, agent,
// kubectl). They are left out of the initramfs build, which only runs stage 1.
func roleCommands() []command {
	return nil
}

// toolAlias maps a name the binary is started as (argv[0]) to a command.
func toolAlias(base string) string {
	return ""
}
