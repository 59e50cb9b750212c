package main

// runtimeCommands are the container runtime commands this build carries:
// containerd with -tags containerd (the outpost-runtime flavour), its runc
// shim with -tags shim (the outpost-shim flavour).
func runtimeCommands() []command { return append(daemonCommands(), shimCommands()...) }

// runtimeAlias maps the names containerd and its shim are started as to
// their commands. The shim comes first: a process the shim started runs
// under whatever name its executable has.
func runtimeAlias(base string) string {
	if name := shimAlias(base); name != "" {
		return name
	}
	return daemonAlias(base)
}
