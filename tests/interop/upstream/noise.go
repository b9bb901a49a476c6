// The raw TCP TS2021 Noise pair, Go twins of latchkey's
// `debug noise-echo-server` and `debug noise-client`
// (src/cli/debug_noise_echo_server.cpp, src/cli/debug_noise_client.cpp),
// built on upstream's control/controlbase.
//
// `noise-echo-server --listen HOST:PORT --key-file F`: no HTTP; each accepted
// TCP stream starts with the client's 101-byte initiation, which
// controlbase.Server reads and answers; then the plaintext of every read is
// written back with Conn.Write. Prints `mkey:<hex>` (the control public key)
// and `listening HOST:PORT`, each on its own line, flushed. The key file
// holds `privkey:<hex>` and is created (mode 0600) when missing. Per
// connection events go to stderr. Runs until SIGINT or SIGTERM, exits 0.
//
// `noise-client --connect HOST:PORT --control-key mkey:... --messages N
// [--timeout D]`: dials, runs controlbase.Client with a fresh machine key
// and tailcfg.CurrentCapabilityVersion, then sends N messages (message i of
// N has 1 + i*65535/(N-1) bytes; one 1-byte message when N is 1), each with
// one Conn.Write, and checks that each comes back byte for byte before the
// next. Prints `OK n=N` and exits 0; any failure: the error on stderr,
// exit 1.

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"tailscale.com/control/controlbase"
	"tailscale.com/tailcfg"
	"tailscale.com/types/key"
)

// Longer than any key line; a bigger file is not a key file (as latchkey's
// control_key_file.cpp).
const maxKeyFileBytes = 4096

// loadOrCreateControlKey reads a `privkey:<hex>` key file, or creates one
// with a fresh key (mode 0600) when it does not exist.
func loadOrCreateControlKey(path string) (key.MachinePrivate, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return readControlKey(path)
		}
		return key.MachinePrivate{}, fmt.Errorf("key file %s: cannot create: %v", path, err)
	}
	fresh := key.NewMachine()
	text, err := fresh.MarshalText()
	if err == nil {
		_, err = f.Write(append(text, '\n'))
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return key.MachinePrivate{}, fmt.Errorf("key file %s: write failed: %v", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return key.MachinePrivate{}, fmt.Errorf("key file %s: cannot sync: %v", path, err)
	}
	if err := f.Close(); err != nil {
		return key.MachinePrivate{}, fmt.Errorf("key file %s: cannot sync: %v", path, err)
	}
	return fresh, nil
}

func readControlKey(path string) (key.MachinePrivate, error) {
	f, err := os.Open(path)
	if err != nil {
		return key.MachinePrivate{}, fmt.Errorf("key file %s: cannot open: %v", path, err)
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return key.MachinePrivate{}, fmt.Errorf("key file %s: cannot read: %v", path, err)
	}
	if len(text) > maxKeyFileBytes {
		return key.MachinePrivate{}, fmt.Errorf("key file %s: too large for a key", path)
	}
	text = bytes.Trim(text, " \t\n\v\f\r")
	var k key.MachinePrivate
	if err := k.UnmarshalText(text); err != nil {
		return key.MachinePrivate{}, fmt.Errorf("key file %s: want privkey:<hex>: %v", path, err)
	}
	if k.IsZero() {
		return key.MachinePrivate{}, fmt.Errorf("key file %s: the zero key is not a key", path)
	}
	return k, nil
}

// Largest plaintext echoed per read (several records' worth).
const echoChunk = 64 * 1024

// How long a client may take to send its initiation.
const serverHandshakeTimeout = 30 * time.Second

func runNoiseEchoServer(args []string) int {
	fs := newFlagSet("noise-echo-server", "--listen HOST:PORT --key-file FILE")
	listen := fs.String("listen", "", "HOST:PORT to listen on (port 0: any free port); required")
	keyFile := fs.String("key-file", "", "control key file (privkey:<hex>), created when missing; required")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		return usageError(fs, "unexpected arguments: %q", fs.Args())
	}
	if *listen == "" || *keyFile == "" {
		return usageError(fs, "--listen and --key-file are required")
	}
	controlKey, err := loadOrCreateControlKey(*keyFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "noise-echo-server: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "noise-echo-server: listen %s: %v\n", *listen, err)
		return 1
	}
	printLine("%s", controlKey.Public().String())
	printLine("listening %s", ln.Addr().String())

	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					fmt.Fprintf(os.Stderr, "noise-echo-server: accept: %v\n", err)
				}
				return
			}
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetNoDelay(true) // echoes are latency-bound
			}
			go serveEcho(c, controlKey)
		}
	}()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	<-sigs
	ln.Close()
	return 0
}

func echoLog(peer, format string, a ...any) {
	fmt.Fprintf(os.Stderr, "noise-echo-server: %s: %s\n", peer, fmt.Sprintf(format, a...))
}

func serveEcho(c net.Conn, controlKey key.MachinePrivate) {
	defer c.Close()
	peer := c.RemoteAddr().String()
	ctx, cancel := context.WithTimeout(context.Background(), serverHandshakeTimeout)
	conn, err := controlbase.Server(ctx, c, controlKey, nil)
	cancel()
	if err != nil {
		echoLog(peer, "handshake failed: %v", err)
		return
	}
	echoLog(peer, "handshake ok, client %v, version %d", conn.Peer(), conn.ProtocolVersion())
	buf := make([]byte, echoChunk)
	echoed := 0
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				echoLog(peer, "write: %v", werr)
				return
			}
			echoed += n
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				echoLog(peer, "closed after echoing %d bytes", echoed)
			} else {
				echoLog(peer, "read: %v (after echoing %d bytes)", err, echoed)
			}
			return
		}
	}
}

const largestMessage = 64 * 1024

func messageSize(i, n uint64) int {
	if n <= 1 {
		return 1
	}
	return int(1 + i*(largestMessage-1)/(n-1))
}

// fillMessage: a xorshift stream seeded by the message number (the same
// contents as latchkey's client), so a reordered, truncated or mixed-up echo
// cannot match.
func fillMessage(i uint64, out []byte) {
	x := uint64(0x9e3779b97f4a7c15) ^ (i+1)*uint64(0xbf58476d1ce4e5b9)
	for j := range out {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		out[j] = byte(x >> 32)
	}
}

func runNoiseClient(args []string) int {
	fs := newFlagSet("noise-client", "--connect HOST:PORT --control-key mkey:<hex> [--messages N] [--timeout D]")
	connect := fs.String("connect", "", "HOST:PORT of the echo server; required")
	controlKeyText := fs.String("control-key", "", "the server's control public key, mkey:<hex>; required")
	messagesText := fs.String("messages", "10", "number of messages to send and check")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		return usageError(fs, "unexpected arguments: %q", fs.Args())
	}
	if *connect == "" || *controlKeyText == "" {
		return usageError(fs, "--connect and --control-key are required")
	}
	messages, err := strconv.ParseUint(*messagesText, 10, 64)
	if err != nil {
		return usageError(fs, "--messages: want a non-negative integer, got %q", *messagesText)
	}
	if *timeout <= 0 {
		return usageError(fs, "--timeout must be positive")
	}
	if _, _, err := net.SplitHostPort(*connect); err != nil {
		fmt.Fprintf(os.Stderr, "noise-client: --connect: %v\n", err)
		return 1
	}
	var controlKey key.MachinePublic
	if err := controlKey.UnmarshalText([]byte(*controlKeyText)); err != nil {
		fmt.Fprintf(os.Stderr, "noise-client: --control-key: %v\n", err)
		return 1
	}
	if err := noiseClient(*connect, controlKey, messages, *timeout); err != nil {
		fmt.Fprintf(os.Stderr, "noise-client: %v\n", err)
		return 1
	}
	printLine("OK n=%d", messages)
	return 0
}

func noiseClient(addr string, controlKey key.MachinePublic, messages uint64, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()

	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	// The deadline covers everything after the dial too (controlbase.Client
	// clears the conn deadline when its handshake ends, so set it again).
	c.SetDeadline(deadline)
	conn, err := controlbase.Client(ctx, c, key.NewMachine(), controlKey, uint16(tailcfg.CurrentCapabilityVersion))
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			// Servers close without a word when the initiation does not
			// decrypt, which is what a wrong control key looks like.
			return fmt.Errorf("handshake: %v (the server closed the connection; is --control-key its key?)", err)
		}
		return fmt.Errorf("handshake: %v", err)
	}
	defer conn.Close()
	c.SetDeadline(deadline)

	var sent, echoed []byte
	for i := uint64(0); i < messages; i++ {
		size := messageSize(i, messages)
		sent = append(sent[:0], make([]byte, size)...)
		fillMessage(i, sent)
		if _, err := conn.Write(sent); err != nil {
			return fmt.Errorf("message %d (%d bytes): write: %v", i, size, err)
		}
		echoed = append(echoed[:0], make([]byte, size)...)
		if _, err := io.ReadFull(conn, echoed); err != nil {
			return fmt.Errorf("message %d (%d bytes): reading the echo: %v", i, size, err)
		}
		if !bytes.Equal(sent, echoed) {
			at := 0
			for sent[at] == echoed[at] {
				at++
			}
			return fmt.Errorf("message %d (%d bytes): echo differs at byte %d", i, size, at)
		}
	}
	return nil
}
