// `upstream-helper testcontrol --listen 127.0.0.1:0`: upstream's test control
// server (tailscale.com/tstest/integration/testcontrol) as a plain
// http.Handler on a TCP listener, for control clients under test.
//
// Prints `listening http://HOST:PORT` (flushed) once bound, serves until
// SIGINT or SIGTERM, then exits 0. The server is given an empty DERP map
// (nothing to relay through on a loopback test) or one loopback relay, and,
// optionally, a required auth key, a MagicDNS domain and the tailnet-lock
// capability for every node. Its log goes to stderr.
//
// Beware: testcontrol panics (crashing the process) on a request for a path
// it does not handle; that is upstream's behaviour, kept as is.

package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"tailscale.com/tailcfg"
	"tailscale.com/tstest/integration/testcontrol"
)

func runTestcontrol(args []string) int {
	fs := newFlagSet("testcontrol", "--listen HOST:PORT [--require-authkey KEY] [--magicdns-domain DOMAIN] [--all-online] [--derp-port N --stun-port N] [--tailnet-lock-cap] [--verbose]")
	listen := fs.String("listen", "", "HOST:PORT to listen on (port 0: any free port); required")
	authKey := fs.String("require-authkey", "", "auth key every RegisterRequest must carry (empty: none required)")
	magicDNS := fs.String("magicdns-domain", "", "MagicDNS domain for node names (empty: testcontrol's default)")
	allOnline := fs.Bool("all-online", false, "mark every peer Online in map responses")
	verbose := fs.Bool("verbose", false, "testcontrol's verbose logging")
	derpPort := fs.Int("derp-port", 0, "plain-HTTP DERP port on 127.0.0.1 to put in the DERP map (0: an empty map)")
	stunPort := fs.Int("stun-port", 0, "STUN port of that DERP server")
	lockCap := fs.Bool("tailnet-lock-cap", false,
		"give every node the tailnet-lock capability, without which clients ignore the lock's TKAInfo")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		return usageError(fs, "unexpected arguments: %q", fs.Args())
	}
	if *listen == "" {
		return usageError(fs, "--listen is required")
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testcontrol: listen %s: %v\n", *listen, err)
		return 1
	}
	baseURL := "http://" + ln.Addr().String()

	logger := log.New(os.Stderr, "testcontrol: ", log.LstdFlags|log.Lmicroseconds)
	control := &testcontrol.Server{
		Logf:            logger.Printf,
		DERPMap:         &tailcfg.DERPMap{Regions: map[int]*tailcfg.DERPRegion{}},
		RequireAuthKey:  *authKey,
		MagicDNSDomain:  *magicDNS,
		AllOnline:       *allOnline,
		Verbose:         *verbose,
		ExplicitBaseURL: baseURL,
	}
	if *derpPort != 0 {
		// One region on the loopback relay, as the harness gives latchkey
		// serve: a client reaches Running only once it has a home DERP.
		control.DERPMap = &tailcfg.DERPMap{Regions: map[int]*tailcfg.DERPRegion{
			900: {RegionID: 900, RegionCode: "loopback", RegionName: "Loopback relay", Nodes: []*tailcfg.DERPNode{{
				Name: "900a", RegionID: 900, HostName: "127.0.0.1", IPv4: "127.0.0.1", IPv6: "none",
				DERPPort: *derpPort, STUNPort: *stunPort,
			}}},
		}}
	}
	if *lockCap {
		// testcontrol's own default capabilities, plus the lock's.
		control.DefaultNodeCapabilities = &tailcfg.NodeCapMap{
			tailcfg.CapabilityHTTPS:                           []tailcfg.RawMessage{},
			tailcfg.NodeAttrFunnel:                            []tailcfg.RawMessage{},
			tailcfg.CapabilityFileSharing:                     []tailcfg.RawMessage{},
			tailcfg.CapabilityFunnelPorts + "?ports=8080,443": []tailcfg.RawMessage{},
			tailcfg.CapabilityTailnetLock:                     []tailcfg.RawMessage{},
		}
	}
	srv := &http.Server{
		Handler:           control,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          logger,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	printLine("listening %s", baseURL)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sigs:
	case err := <-served:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(os.Stderr, "testcontrol: serve: %v\n", err)
			return 1
		}
	}
	// Map streams never end by themselves; close everything rather than
	// wait for them.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	srv.Close()
	return 0
}
