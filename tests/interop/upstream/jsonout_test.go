package main

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// testdata/nlohmann_strings.txt: "<hex input> <hex output>" per line, the
// output being what nlohmann::json 3.11 printed for the input string with
// dump(-1, ' ', false, error_handler_t::replace) (control characters,
// quotes, valid and invalid UTF-8 of every kind).
func TestJSONStringMatchesNlohmann(t *testing.T) {
	f, err := os.Open("testdata/nlohmann_strings.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		in, out, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		input, err1 := hex.DecodeString(in)
		want, err2 := hex.DecodeString(out)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line %q", sc.Text())
		}
		var b strings.Builder
		writeJSONString(&b, string(input))
		if b.String() != string(want) {
			t.Errorf("input %x: got %q, want %q", input, b.String(), want)
		}
		n++
	}
	if n < 500 {
		t.Fatalf("only %d cases", n)
	}
}

func TestOrderForInformOfNothing(t *testing.T) {
	var root [32]byte
	if got := orderForInform(root, nil); len(got) != 0 {
		t.Fatalf("got %d AUMs from none", len(got))
	}
}
