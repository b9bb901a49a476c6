// `upstream-helper ws-login --server URL --authkey KEY --hostname NAME
// [--ca-file PEM] [--timeout D]`: joins a control server the way upstream's
// browser client dials (control/controlhttp/client_js.go), then registers
// and fetches one map the way control/controlclient/direct.go does:
//
//  1. GET URL/key?v=<tailcfg.CurrentCapabilityVersion>: the server's Noise
//     public key (JSON "publicKey").
//  2. controlbase.ClientDeferred with a fresh machine key; the initiation,
//     standard base64, in the X-Tailscale-Handshake query parameter of
//     ws://HOST:PORT/ts2021 (wss:// for an https URL, trusting --ca-file),
//     subprotocol tailscale-control-protocol, github.com/coder/websocket and
//     tailscale.com/net/wsconn.NetConn with binary messages; then the
//     handshake continuation over that conn.
//  3. ts2021.NewConn around the controlbase conn (it takes the server's
//     optional early payload off the stream), HTTP/2 over it with an
//     http.Transport restricted to unencrypted HTTP/2 and a dial function
//     that returns this conn: the construction of upstream's
//     ts2021.NewClient. Requests go to https://<hostname><path> with the
//     Ts-Lb header, as ts2021.Client.DoWithBody sends them.
//  4. POST /machine/register: RegisterRequest{Version, NodeKey (fresh),
//     Auth.AuthKey, Hostinfo.Hostname}, JSON; the answer must have
//     MachineAuthorized (an Error or an AuthURL is a failure).
//  5. POST /machine/map: a non-streaming MapRequest{Version, NodeKey,
//     DiscoKey (fresh), Hostinfo, Stream: false}, no compression asked; the
//     answer is one [4-byte little-endian length][body] message, body a JSON
//     tailcfg.MapResponse (zstd-decoded if it is a zstd frame anyway).
//
// Prints one line {"node_key": "nodekey:…", "name": Node.Name, "addresses":
// [Node.Addresses], "peers": [peer Names, in the server's order], "user":
// the self node's user LoginName (only when UserProfiles has it)} and exits
// 0; any failure: the error on stderr, exit 1.

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"tailscale.com/control/controlbase"
	"tailscale.com/control/controlhttp/controlhttpcommon"
	"tailscale.com/control/ts2021"
	"tailscale.com/net/wsconn"
	"tailscale.com/tailcfg"
	"tailscale.com/types/key"
	"tailscale.com/util/zstdframe"
)

func runWsLogin(args []string) int {
	fs := newFlagSet("ws-login", "--server URL --authkey KEY --hostname NAME [--ca-file PEM] [--timeout D]")
	server := fs.String("server", "", "control server URL, http://HOST:PORT or https://HOST:PORT; required")
	authKey := fs.String("authkey", "", "pre-auth key to register with; required")
	hostname := fs.String("hostname", "", "Hostinfo.Hostname to register; required")
	caFile := fs.String("ca-file", "", "PEM file of CA certificates to trust for https (in addition to the system's)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		return usageError(fs, "unexpected arguments: %q", fs.Args())
	}
	if *server == "" || *authKey == "" || *hostname == "" {
		return usageError(fs, "--server, --authkey and --hostname are required")
	}
	if *timeout <= 0 {
		return usageError(fs, "--timeout must be positive")
	}
	u, err := url.Parse(*server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError(fs, "--server: want http://HOST[:PORT] or https://HOST[:PORT], got %q", *server)
	}
	line, err := wsLogin(u, *authKey, *hostname, *caFile, *timeout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ws-login: %v\n", err)
		return 1
	}
	printLine("%s", line)
	return 0
}

func wsLogin(server *url.URL, authKey, hostname, caFile string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	tlsConfig := &tls.Config{}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return "", fmt.Errorf("--ca-file: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return "", fmt.Errorf("--ca-file %s: no PEM certificates found", caFile)
		}
		tlsConfig.RootCAs = pool
	}
	// HTTP/1.1 only: /key is a plain request and the WebSocket handshake
	// must be an HTTP/1.1 upgrade.
	plainHTTP := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   tlsConfig,
		ForceAttemptHTTP2: false,
	}}

	// 1. The server's Noise key.
	controlKey, err := fetchControlKey(ctx, plainHTTP, server)
	if err != nil {
		return "", err
	}

	// 2. The Noise handshake over a WebSocket.
	machineKey := key.NewMachine()
	init, cont, err := controlbase.ClientDeferred(machineKey, controlKey, uint16(tailcfg.CurrentCapabilityVersion))
	if err != nil {
		return "", fmt.Errorf("handshake: %v", err)
	}
	wsScheme := "ws"
	if server.Scheme == "https" {
		wsScheme = "wss"
	}
	wsURL := &url.URL{
		Scheme: wsScheme,
		Host:   server.Host,
		Path:   "/ts2021",
		RawQuery: url.Values{
			controlhttpcommon.HandshakeHeaderName: []string{base64.StdEncoding.EncodeToString(init)},
		}.Encode(),
	}
	wsConn, _, err := websocket.Dial(ctx, wsURL.String(), &websocket.DialOptions{
		HTTPClient:   plainHTTP,
		Subprotocols: []string{controlhttpcommon.UpgradeHeaderValue},
	})
	if err != nil {
		return "", fmt.Errorf("websocket dial %s: %v", wsURL.Redacted(), err)
	}
	netConn := wsconn.NetConn(context.Background(), wsConn, websocket.MessageBinary, wsURL.String())
	cbConn, err := cont(ctx, netConn)
	if err != nil {
		netConn.Close()
		return "", fmt.Errorf("handshake: %v", err)
	}

	// 3. HTTP/2 inside Noise, built as upstream's ts2021.NewClient does.
	conn := ts2021.NewConn(cbConn, func() {})
	defer conn.Close()
	var dialed atomic.Bool
	tr := &http.Transport{
		Protocols:       new(http.Protocols),
		MaxConnsPerHost: 1,
	}
	tr.Protocols.SetUnencryptedHTTP2(true)
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if !dialed.CompareAndSwap(false, true) {
			return nil, errors.New("the Noise connection is gone; not dialing another")
		}
		return conn, nil
	}
	defer tr.CloseIdleConnections()
	h2 := &http.Client{Transport: tr}
	host := server.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 literal
	}

	// 4. Register.
	nodeKey := key.NewNode()
	hostinfo := &tailcfg.Hostinfo{Hostname: hostname}
	regReq := tailcfg.RegisterRequest{
		Version:  tailcfg.CurrentCapabilityVersion,
		NodeKey:  nodeKey.Public(),
		Auth:     &tailcfg.RegisterResponseAuth{AuthKey: authKey},
		Hostinfo: hostinfo,
	}
	res, err := postJSON(ctx, h2, host, "/machine/register", nodeKey.Public(), &regReq)
	if err != nil {
		return "", fmt.Errorf("register: %v", err)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	if err != nil {
		return "", fmt.Errorf("register: reading the response: %v", err)
	}
	if res.StatusCode != 200 {
		return "", fmt.Errorf("register: %d: %s", res.StatusCode, bytes.TrimSpace(body))
	}
	var regRes tailcfg.RegisterResponse
	if err := json.Unmarshal(body, &regRes); err != nil {
		return "", fmt.Errorf("register: decoding the response: %v", err)
	}
	if regRes.Error != "" {
		return "", fmt.Errorf("register: server error: %s", regRes.Error)
	}
	if !regRes.MachineAuthorized {
		return "", fmt.Errorf("register: machine not authorized (AuthURL %q, NodeKeyExpired %v)", regRes.AuthURL, regRes.NodeKeyExpired)
	}

	// 5. One non-streaming map request.
	discoKey := key.NewDisco()
	mapReq := tailcfg.MapRequest{
		Version:  tailcfg.CurrentCapabilityVersion,
		NodeKey:  nodeKey.Public(),
		DiscoKey: discoKey.Public(),
		Hostinfo: hostinfo,
		Stream:   false,
	}
	res, err = postJSON(ctx, h2, host, "/machine/map", nodeKey.Public(), &mapReq)
	if err != nil {
		return "", fmt.Errorf("map: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		return "", fmt.Errorf("map: %d: %s", res.StatusCode, bytes.TrimSpace(msg))
	}
	var size [4]byte
	if _, err := io.ReadFull(res.Body, size[:]); err != nil {
		return "", fmt.Errorf("map: reading the length prefix: %v", err)
	}
	n := binary.LittleEndian.Uint32(size[:])
	if n > 64<<20 {
		return "", fmt.Errorf("map: message length %d is too large", n)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(res.Body, msg); err != nil {
		return "", fmt.Errorf("map: reading the %d-byte message: %v", n, err)
	}
	if bytes.HasPrefix(msg, []byte{0x28, 0xb5, 0x2f, 0xfd}) { // a zstd frame
		if msg, err = zstdframe.AppendDecode(nil, msg); err != nil {
			return "", fmt.Errorf("map: zstd: %v", err)
		}
	}
	var mapRes tailcfg.MapResponse
	if err := json.Unmarshal(msg, &mapRes); err != nil {
		return "", fmt.Errorf("map: decoding the response: %v", err)
	}
	if mapRes.Node == nil {
		return "", errors.New("map: the response has no Node")
	}

	out := wsLoginResult{
		NodeKey:   nodeKey.Public().String(),
		Name:      mapRes.Node.Name,
		Addresses: []string{},
		Peers:     []string{},
	}
	for _, p := range mapRes.Node.Addresses {
		out.Addresses = append(out.Addresses, p.String())
	}
	for _, p := range mapRes.Peers {
		out.Peers = append(out.Peers, p.Name)
	}
	for _, up := range mapRes.UserProfiles {
		if up.ID == mapRes.Node.User {
			out.User = &up.LoginName
			break
		}
	}
	line, err := json.Marshal(out)
	if err != nil {
		return "", err
	}
	return string(line), nil
}

// wsLoginResult is the line ws-login prints, fields in this order.
type wsLoginResult struct {
	NodeKey   string   `json:"node_key"`
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
	Peers     []string `json:"peers"`
	User      *string  `json:"user,omitempty"` // nil: no UserProfile for the node's user
}

func fetchControlKey(ctx context.Context, client *http.Client, server *url.URL) (key.MachinePublic, error) {
	keyURL := server.JoinPath("/key")
	keyURL.RawQuery = fmt.Sprintf("v=%d", tailcfg.CurrentCapabilityVersion)
	req, err := http.NewRequestWithContext(ctx, "GET", keyURL.String(), nil)
	if err != nil {
		return key.MachinePublic{}, err
	}
	res, err := client.Do(req)
	if err != nil {
		return key.MachinePublic{}, fmt.Errorf("/key: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return key.MachinePublic{}, fmt.Errorf("/key: %v", err)
	}
	if res.StatusCode != 200 {
		return key.MachinePublic{}, fmt.Errorf("/key: %d: %s", res.StatusCode, bytes.TrimSpace(body))
	}
	var keys tailcfg.OverTLSPublicKeyResponse
	if err := json.Unmarshal(body, &keys); err != nil {
		return key.MachinePublic{}, fmt.Errorf("/key: decoding %q: %v", body, err)
	}
	if keys.PublicKey.IsZero() {
		return key.MachinePublic{}, fmt.Errorf("/key: no publicKey in %q", body)
	}
	return keys.PublicKey, nil
}

// postJSON posts body as JSON, as upstream's ts2021.Client.DoWithBody does.
func postJSON(ctx context.Context, client *http.Client, host, path string, nodeKey key.NodePublic, body any) (*http.Response, error) {
	jbody, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", "https://"+host+path, bytes.NewReader(jbody))
	if err != nil {
		return nil, err
	}
	ts2021.AddLBHeader(req, nodeKey)
	req.Header.Set("Content-Type", "application/json")
	return client.Do(req)
}
