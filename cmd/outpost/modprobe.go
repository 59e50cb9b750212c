package main

import (
	"context"
	"errors"
	"flag"

	"github.com/outpost-os/outpost/init/kmod"
)

// runModprobe is what the kernel runs for request_module() (as
// /sbin/modprobe -q -- NAME): it loads a module or an alias such as
// crypto-crc32c, so modules that need others at load time work with no
// other modprobe on the system.
func runModprobe(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("modprobe", flag.ContinueOnError)
	fs.Bool("q", false, "quiet (accepted for the kernel's sake)")
	fs.Bool("b", false, "accepted and ignored")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: modprobe [-q] [--] MODULE|ALIAS...")
	}
	l, err := kmod.NewLoader("/", "")
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range fs.Args() {
		errs = append(errs, l.Modprobe(name))
	}
	return errors.Join(errs...)
}
