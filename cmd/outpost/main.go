// Command outpost is the one binary of Outpost: PID 1 (stage 1 in the
// initramfs and stage 2 in the root), the server and agent roles, the image
// builder and built-in tools. It dispatches on its subcommand and on the name
// it was started as (argv[0]).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

// command is one subcommand of the outpost binary.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

func commands() []command {
	cmds := []command{
		{"init", "run as PID 1 (what /init and /sbin/init start)", runInit},
		{"image", "build, boot and seed images (build, run, seed)", runImage},
		{"config", "show the effective node configuration or check a user-data file", runConfig},
		{"console", "serve the debug console on stdin (PID 1 starts it with outpost.console=on)", runConsole},
		{"modprobe", "load a kernel module or alias (what the kernel runs as /sbin/modprobe)", runModprobe},
		{"debug", "helpers for the tests of PID 1 (orphan, sleep)", runDebug},
		{"version", "print the version", runVersion},
	}
	cmds = append(cmds, roleCommands()...)
	return append(cmds, runtimeCommands()...)
}

func main() {
	os.Exit(dispatch(os.Args))
}

// dispatch picks the command from argv[0] or the first argument and runs it.
// It returns the process exit code.
func dispatch(argv []string) int {
	cmds := commands()
	name, args := commandName(argv)
	if name == "" || name == "help" || name == "-h" || name == "--help" {
		usage(cmds)
		if name == "" {
			return 2
		}
		return 0
	}
	for _, c := range cmds {
		if c.name != name {
			continue
		}
		ctx, stop := signalContext(name)
		defer stop()
		err := c.run(ctx, args)
		if err == nil || errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "outpost %s: %v\n", name, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "outpost: unknown command %q; run 'outpost help' for the list\n", name)
	return 2
}

// commandName maps argv[0] (as /init, /sbin/init or a tool name) or the
// first argument to a command name and its arguments.
func commandName(argv []string) (string, []string) {
	if len(argv) == 0 {
		return "", nil
	}
	switch base := filepath.Base(argv[0]); base {
	case "init":
		// The small build lives at /usr/lib/outpost/init; started with a
		// command (as the debug console is), it runs that command.
		if len(argv) > 1 && isCommand(argv[1]) && argv[1] != "init" {
			return argv[1], argv[2:]
		}
		return "init", argv[1:]
	case "modprobe":
		return base, argv[1:]
	case "outpost", "outpost.test":
	default:
		if alias := toolAlias(base); alias != "" {
			return alias, argv[1:]
		}
		if alias := runtimeAlias(base); alias != "" {
			return alias, argv[1:]
		}
	}
	if len(argv) < 2 {
		return "", nil
	}
	return argv[1], argv[2:]
}

// signalContext ends on SIGTERM or SIGINT, except for PID 1, which handles
// signals itself.
func signalContext(name string) (context.Context, context.CancelFunc) {
	if name == "init" {
		return context.WithCancel(context.Background())
	}
	return signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
}

func usage(cmds []command) {
	fmt.Fprintln(os.Stderr, "usage: outpost COMMAND [flags]\n\ncommands:")
	for _, c := range cmds {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", c.name, c.summary)
	}
}

func isCommand(name string) bool {
	for _, c := range commands() {
		if c.name == name {
			return true
		}
	}
	return false
}
