// `upstream-helper tka-check FILE`: the Go twin of `latchkey debug
// tka-replay FILE` (src/cli/debug_tka_replay.cpp), replaying with upstream's
// tailscale.com/tka. A test feeds the same file to both and compares the
// output lines byte for byte, so the input format, the ordering rules and
// the output format below are latchkey's, exactly:
//
// FILE: {"genesis": "<hex CBOR>", "aums": ["<hex CBOR>", ...],
//        "node_keys": [{"node_key": "nodekey:<hex>", "signature": "<hex CBOR>"}, ...]}
//   - genesis: the checkpoint to bootstrap from (tka.Bootstrap on a
//     tka.ChonkMem);
//   - aums: any order; ordered breadth-first from the genesis (children of
//     one parent in ascending hash order); AUMs the genesis does not reach
//     follow, tree by tree in ascending hash order of each tree's top, each
//     breadth-first; copies of the genesis and duplicates are dropped; then
//     informed in one batch (Authority.Inform), which is skipped when
//     nothing is left (upstream refuses an empty batch);
//   - node_keys: each checked with Authority.NodeKeyAuthorized.
//
// Output, one line: {"head": "<base32>", "active_chain": [<base32>, ...
// oldest ancestor to head], "keys": [{"id": "<hex>", "votes": N, "meta":
// {...}}, ... sorted by id], "disablement_values": [<hex>, ... sorted],
// "state_ids": [id1, id2], "node_keys": [{"authorized": bool, "error":
// "<upstream's error text, or empty>"}, ...]}, exit 0. Bad input and a
// rejected bootstrap or batch: {"error": "<text>"}, exit 1; bootstrap and
// inform errors are upstream's texts. Input errors that happen before any
// tka code runs (JSON structure, hex) use latchkey's texts so that the two
// programs can be compared on those too.
//
// What upstream exposes and what is derived (tka v1.102.5 keeps the
// authority's state and oldest ancestor unexported):
//   - head: Authority.Head(); keys: Authority.Keys(); state IDs:
//     Authority.StateIDs(); node keys: Authority.NodeKeyAuthorized.
//   - active_chain: walked back from Head() through the ChonkMem storage
//     (Chonk.AUM) to the bootstrap checkpoint. Upstream's oldestAncestor is
//     that checkpoint here: every informed AUM descends from it (an AUM whose
//     parent is neither stored nor earlier in the batch is refused), and only
//     Compact moves the ancestor, which this replay never calls. The walk
//     also stops at an AUM whose parent is not stored, as upstream's
//     computeChainCandidates does.
//   - disablement_values: the State.DisablementValues of the last checkpoint
//     AUM on the active chain (there is always one: the bootstrap AUM). In
//     upstream's State.applyVerifiedAUM only a checkpoint sets them; every
//     other kind copies the previous state's.

package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"

	"tailscale.com/tka"
	"tailscale.com/types/key"
)

// Input bounds, the same as latchkey's (debug_tka_replay.h).
const (
	maxTkaReplayFileBytes = 64 << 20
	maxTkaReplayAums      = 100000
	maxTkaReplayNodeKeys  = 100000
)

func runTkaCheck(args []string) int {
	fs := newFlagSet("tka-check", "FILE")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(fs, "want exactly one FILE argument")
	}
	code, line := tkaCheckFile(fs.Arg(0))
	printLine("%s", line)
	return code
}

func tkaFailure(text string) (int, string) {
	return 1, dumpJSON((&jsonObject{}).set("error", text))
}

func tkaCheckFile(path string) (int, string) {
	f, err := os.Open(path)
	if err != nil {
		return tkaFailure("cannot open " + path)
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, maxTkaReplayFileBytes+1))
	if err != nil {
		return tkaFailure("reading " + path + " failed")
	}
	if len(text) > maxTkaReplayFileBytes {
		return tkaFailure(fmt.Sprintf("%s: file too large (limit %d bytes)", path, maxTkaReplayFileBytes))
	}
	return tkaCheckReport(text)
}

// latchkey's hex decoder and its error texts (base/hex.cpp); digits of
// either case.
func hexDecode(text string) ([]byte, error) {
	if len(text)%2 != 0 {
		return nil, fmt.Errorf("hex: odd length %d", len(text))
	}
	out := make([]byte, len(text)/2)
	for i := range out {
		hi, lo := hexDigit(text[2*i]), hexDigit(text[2*i+1])
		if hi < 0 || lo < 0 {
			at := 2 * i
			if hi >= 0 {
				at++
			}
			return nil, fmt.Errorf("hex: invalid digit at offset %d", at)
		}
		out[i] = byte(hi<<4 | lo)
	}
	return out, nil
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func stringMember(obj map[string]any, name, where string) (string, error) {
	v, ok := obj[name]
	if !ok {
		return "", fmt.Errorf("%s: missing %q", where, name)
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s.%s: not a string", where, name)
	}
	return s, nil
}

// arrayMember: an optional array member (absent or null: none) with at
// most limit elements.
func arrayMember(doc map[string]any, name string, limit int) ([]any, error) {
	v, ok := doc[name]
	if !ok || v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: not an array", name)
	}
	if len(arr) > limit {
		return nil, fmt.Errorf("%s: too many entries (%d, limit %d)", name, len(arr), limit)
	}
	return arr, nil
}

func decodeAUMHex(text, where string) (tka.AUM, error) {
	raw, err := hexDecode(text)
	if err != nil {
		return tka.AUM{}, fmt.Errorf("%s: invalid hex: %v", where, err)
	}
	var aum tka.AUM
	if err := aum.Unserialize(raw); err != nil {
		return tka.AUM{}, fmt.Errorf("%s: %v", where, err)
	}
	return aum, nil
}

type nodeKeyCheck struct {
	nodeKey   key.NodePublic
	signature []byte
}

func tkaCheckReport(text []byte) (int, string) {
	if len(text) > maxTkaReplayFileBytes {
		return tkaFailure(fmt.Sprintf("file too large (%d bytes, limit %d)", len(text), maxTkaReplayFileBytes))
	}
	// nlohmann's parser skips a leading UTF-8 byte order mark; so do we.
	text = bytes.TrimPrefix(text, []byte("\xEF\xBB\xBF"))
	if !json.Valid(text) {
		return tkaFailure("invalid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var docAny any
	if err := dec.Decode(&docAny); err != nil {
		return tkaFailure("invalid JSON")
	}
	doc, ok := docAny.(map[string]any)
	if !ok {
		return tkaFailure("invalid JSON: the document must be an object")
	}

	// Decode everything first: malformed input is refused before any replay.
	genesisText, err := stringMember(doc, "genesis", "file")
	if err != nil {
		return tkaFailure(err.Error())
	}
	genesis, err := decodeAUMHex(genesisText, "genesis")
	if err != nil {
		return tkaFailure(err.Error())
	}

	aumsJSON, err := arrayMember(doc, "aums", maxTkaReplayAums)
	if err != nil {
		return tkaFailure(err.Error())
	}
	aums := make([]tka.AUM, 0, len(aumsJSON))
	for i, item := range aumsJSON {
		where := "aums[" + strconv.Itoa(i) + "]"
		s, ok := item.(string)
		if !ok {
			return tkaFailure(where + ": not a string")
		}
		aum, err := decodeAUMHex(s, where)
		if err != nil {
			return tkaFailure(err.Error())
		}
		aums = append(aums, aum)
	}

	keysJSON, err := arrayMember(doc, "node_keys", maxTkaReplayNodeKeys)
	if err != nil {
		return tkaFailure(err.Error())
	}
	checks := make([]nodeKeyCheck, 0, len(keysJSON))
	for i, item := range keysJSON {
		where := "node_keys[" + strconv.Itoa(i) + "]"
		obj, ok := item.(map[string]any)
		if !ok {
			return tkaFailure(where + ": not an object")
		}
		nkText, err := stringMember(obj, "node_key", where)
		if err != nil {
			return tkaFailure(err.Error())
		}
		var nk key.NodePublic
		if err := nk.UnmarshalText([]byte(nkText)); err != nil {
			return tkaFailure(where + ".node_key: " + err.Error())
		}
		sigText, err := stringMember(obj, "signature", where)
		if err != nil {
			return tkaFailure(err.Error())
		}
		sig, err := hexDecode(sigText)
		if err != nil {
			return tkaFailure(where + ".signature: invalid hex: " + err.Error())
		}
		checks = append(checks, nodeKeyCheck{nk, sig})
	}

	// Replay: bootstrap, then one batch.
	storage := tka.ChonkMem()
	authority, err := tka.Bootstrap(storage, genesis)
	if err != nil {
		return tkaFailure(err.Error())
	}
	genesisHash := genesis.Hash()
	if batch := orderForInform(genesisHash, aums); len(batch) > 0 {
		if err := authority.Inform(storage, batch); err != nil {
			return tkaFailure(err.Error())
		}
	}

	chain, err := activeChain(storage, authority.Head(), genesisHash)
	if err != nil {
		return tkaFailure("reading the active chain: " + err.Error())
	}
	chainView := make([]string, len(chain))
	for i := range chain {
		chainView[i] = chain[i].Hash().String()
	}

	type keyView struct {
		id   string
		view *jsonObject
	}
	var keyViews []keyView
	for _, k := range authority.Keys() {
		id := ""
		if raw, err := k.ID(); err == nil {
			id = hex.EncodeToString(raw)
		}
		metaNames := make([]string, 0, len(k.Meta))
		for name := range k.Meta {
			metaNames = append(metaNames, name)
		}
		sort.Strings(metaNames) // latchkey keeps meta in a std::map: bytewise order
		meta := &jsonObject{}
		for _, name := range metaNames {
			meta.set(name, k.Meta[name])
		}
		v := (&jsonObject{}).set("id", id).set("votes", uint64(k.Votes)).set("meta", meta)
		keyViews = append(keyViews, keyView{id, v})
	}
	sort.SliceStable(keyViews, func(i, j int) bool { return keyViews[i].id < keyViews[j].id })
	keysView := make([]jsonValue, 0, len(keyViews))
	for _, kv := range keyViews {
		keysView = append(keysView, kv.view)
	}

	disablement := []string{}
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].MessageKind == tka.AUMCheckpoint && chain[i].State != nil {
			for _, dv := range chain[i].State.DisablementValues {
				disablement = append(disablement, hex.EncodeToString(dv))
			}
			break
		}
	}
	sort.Strings(disablement)

	verdicts := make([]jsonValue, 0, len(checks))
	for _, c := range checks {
		err := authority.NodeKeyAuthorized(c.nodeKey, c.signature)
		errText := ""
		if err != nil {
			errText = err.Error()
		}
		verdicts = append(verdicts, (&jsonObject{}).set("authorized", err == nil).set("error", errText))
	}

	id1, id2 := authority.StateIDs()
	out := &jsonObject{}
	out.set("head", authority.Head().String())
	out.set("active_chain", chainView)
	out.set("keys", keysView)
	out.set("disablement_values", disablement)
	out.set("state_ids", []jsonValue{id1, id2})
	out.set("node_keys", verdicts)
	return 0, dumpJSON(out)
}

// orderForInform orders AUMs for one Inform batch as latchkey's
// tka::order_for_inform does (and as upstream's own replays that produced
// tests/data/vectors/chains.json): breadth-first from root, children of one
// parent in ascending hash order; then what root does not reach, tree by
// tree in ascending hash order of each tree's top; copies of root and
// duplicates dropped (the first copy of a hash is kept).
func orderForInform(root tka.AUMHash, aums []tka.AUM) []tka.AUM {
	byHash := make(map[tka.AUMHash]tka.AUM, len(aums))
	for _, a := range aums {
		h := a.Hash()
		if h == root {
			continue
		}
		if _, dup := byHash[h]; !dup {
			byHash[h] = a
		}
	}
	hashes := make([]tka.AUMHash, 0, len(byHash))
	for h := range byHash {
		hashes = append(hashes, h)
	}
	sort.Slice(hashes, func(i, j int) bool { return bytes.Compare(hashes[i][:], hashes[j][:]) < 0 })

	children := make(map[tka.AUMHash][]tka.AUMHash)
	for _, h := range hashes { // ascending, so each child list is too
		a := byHash[h]
		if p, ok := a.Parent(); ok {
			children[p] = append(children[p], h)
		}
	}

	out := make([]tka.AUM, 0, len(byHash))
	placed := make(map[tka.AUMHash]bool, len(byHash))
	breadthFirst := func(top tka.AUMHash, includeTop bool) {
		queue := []tka.AUMHash{top}
		if includeTop {
			placed[top] = true
		}
		for len(queue) > 0 {
			h := queue[0]
			queue = queue[1:]
			if includeTop || h != top {
				out = append(out, byHash[h])
			}
			for _, c := range children[h] {
				if !placed[c] {
					placed[c] = true
					queue = append(queue, c)
				}
			}
		}
	}
	breadthFirst(root, false)

	for _, h := range hashes {
		if placed[h] {
			continue
		}
		a := byHash[h]
		p, ok := a.Parent()
		_, parentGiven := byHash[p]
		if !ok || !parentGiven || p == root {
			breadthFirst(h, true)
		}
	}
	for _, h := range hashes {
		if !placed[h] {
			placed[h] = true
			out = append(out, byHash[h])
		}
	}
	return out
}

// activeChain returns the AUMs from the oldest ancestor to head: walking
// back from head through storage until the bootstrap AUM (or an AUM whose
// parent is not stored), then reversed.
func activeChain(storage tka.Chonk, head, bootstrap tka.AUMHash) ([]tka.AUM, error) {
	var back []tka.AUM
	cur, err := storage.AUM(head)
	if err != nil {
		return nil, fmt.Errorf("head %v: %v", head, err)
	}
	for {
		back = append(back, cur)
		if cur.Hash() == bootstrap {
			break
		}
		parent, ok := cur.Parent()
		if !ok {
			break
		}
		next, err := storage.AUM(parent)
		if err != nil {
			if os.IsNotExist(err) {
				break
			}
			return nil, fmt.Errorf("parent %v: %v", parent, err)
		}
		cur = next
	}
	for i, j := 0, len(back)-1; i < j; i, j = i+1, j-1 {
		back[i], back[j] = back[j], back[i]
	}
	return back, nil
}
