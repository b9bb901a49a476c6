// Command upstream-helper drives upstream Tailscale Go packages
// (tailscale.com, imported as a module, nothing copied) for interop tests
// against latchkey. One binary, one subcommand per role:
//
//	testcontrol        upstream's test control server (tstest/integration/testcontrol)
//	noise-echo-server  raw TCP TS2021 Noise echo server (control/controlbase.Server)
//	noise-client       raw TCP TS2021 Noise client (control/controlbase.Client)
//	tka-check          Tailnet Lock replay with upstream's tka package
//	tka-chain          a linear Tailnet Lock chain made by upstream's builder
//	ws-login           join a control server over the WebSocket form of /ts2021
//
// Each subcommand is the Go twin of a `latchkey debug ...` command where one
// exists, with the same input and output formats; see the file of each.
// Bad usage prints the usage on stderr and exits 2.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"tailscale.com/tailcfg"
)

type subcommand struct {
	summary string
	run     func(args []string) int
}

var subcommands = map[string]subcommand{
	"testcontrol":        {"run upstream's test control server on a loopback address", runTestcontrol},
	"noise-echo-server":  {"raw TCP TS2021 Noise server that echoes every record", runNoiseEchoServer},
	"noise-client":       {"raw TCP TS2021 Noise client: handshake, N messages, check the echo", runNoiseClient},
	"tka-check":          {"replay a Tailnet Lock chain file with upstream's tka package", runTkaCheck},
	"tka-chain":          {"print a linear Tailnet Lock chain made by upstream's builder, as a replay file", runTkaChain},
	"ws-login":           {"register and fetch one map over the WebSocket form of /ts2021", runWsLogin},
	"capability-version": {"print the capability version of the pinned tailscale module", runCapabilityVersion},
}

// runCapabilityVersion prints tailcfg.CurrentCapabilityVersion: upstream's
// test control server refuses lock RPCs of any other version.
func runCapabilityVersion(args []string) int {
	if len(args) != 0 {
		fmt.Fprintf(os.Stderr, "usage: upstream-helper capability-version\n")
		return 2
	}
	fmt.Println(int(tailcfg.CurrentCapabilityVersion))
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: upstream-helper SUBCOMMAND [flags]\n\nsubcommands:\n")
	names := make([]string, 0, len(subcommands))
	for name := range subcommands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-18s %s\n", name, subcommands[name].summary)
	}
}

func main() {
	if len(os.Args) < 2 {
		usage(os.Stderr)
		os.Exit(2)
	}
	name := os.Args[1]
	if name == "-h" || name == "-help" || name == "--help" || name == "help" {
		usage(os.Stdout)
		os.Exit(0)
	}
	cmd, ok := subcommands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "upstream-helper: unknown subcommand %q\n\n", name)
		usage(os.Stderr)
		os.Exit(2)
	}
	os.Exit(cmd.run(os.Args[2:]))
}

// newFlagSet returns a FlagSet for a subcommand whose errors print the
// usage on stderr; parseFlags turns them into exit code 2.
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: upstream-helper %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; it returns (exit code, false) when the caller
// must stop: 0 for -h, 2 for bad usage.
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

// usageError prints a usage error for fs and returns exit code 2.
func usageError(fs *flag.FlagSet, format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "%s: %s\n", fs.Name(), fmt.Sprintf(format, a...))
	fs.Usage()
	return 2
}

// stdout is line-buffered by hand: every printed line is flushed at once,
// since tests read our lines while we keep running.
var stdout = bufio.NewWriter(os.Stdout)

func printLine(format string, a ...any) {
	fmt.Fprintf(stdout, format+"\n", a...)
	stdout.Flush()
}
