// `upstream-helper tka-chain --updates N`: a linear Tailnet Lock chain made
// by upstream's own tka.UpdateBuilder, printed as a replay file for
// `latchkey debug tka-replay` and `tka-check` (format in tkacheck.go):
// {"genesis": "<hex CBOR>", "aums": ["<hex CBOR>", ...]}.
//
// The genesis trusts one fresh key (one disablement value); each update sets
// that key's votes (1, 2, 1, ...), one Finalize and Inform per update, so
// the builder inserts a checkpoint whenever 50 AUMs have passed since the
// last one, as a real tailnet's chain grows.
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"tailscale.com/tka"
	"tailscale.com/types/key"
)

func runTkaChain(args []string) int {
	fs := newFlagSet("tka-chain", "--updates N")
	updates := fs.Int("updates", 0, "number of updates after the genesis")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 || *updates < 0 {
		return usageError(fs, "want --updates N (N >= 0) and no arguments")
	}
	out, err := buildChain(*updates)
	if err != nil {
		fmt.Fprintf(os.Stderr, "tka-chain: %v\n", err)
		return 1
	}
	stdout.Write(out)
	stdout.WriteString("\n")
	stdout.Flush()
	return 0
}

func buildChain(updates int) ([]byte, error) {
	priv := key.NewNLPrivate()
	k := tka.Key{Kind: tka.Key25519, Public: priv.Public().Verifier(), Votes: 1}
	id, err := k.ID()
	if err != nil {
		return nil, err
	}
	state := tka.State{
		Keys:              []tka.Key{k},
		DisablementValues: [][]byte{tka.DisablementKDF([]byte("tka-chain disablement secret"))},
	}
	storage := tka.ChonkMem()
	authority, genesis, err := tka.Create(storage, state, priv)
	if err != nil {
		return nil, fmt.Errorf("create: %v", err)
	}
	aums := make([]string, 0, updates+updates/49)
	for i := 0; i < updates; i++ {
		b := authority.NewUpdater(priv)
		if err := b.SetKeyVote(id, uint(1+(i+1)%2)); err != nil {
			return nil, fmt.Errorf("update %d: %v", i, err)
		}
		made, err := b.Finalize(storage)
		if err != nil {
			return nil, fmt.Errorf("update %d: finalize: %v", i, err)
		}
		if err := authority.Inform(storage, made); err != nil {
			return nil, fmt.Errorf("update %d: inform: %v", i, err)
		}
		for _, a := range made {
			aums = append(aums, hex.EncodeToString(a.Serialize()))
		}
	}
	return json.Marshal(map[string]any{
		"genesis": hex.EncodeToString(genesis.Serialize()),
		"aums":    aums,
	})
}
