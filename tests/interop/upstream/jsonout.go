// A tiny JSON writer that reproduces, byte for byte, what latchkey's
// `debug tka-replay` prints: nlohmann::json's dump(-1, ' ', false,
// error_handler_t::replace) of an ordered_json. Go's encoding/json differs
// (it escapes <, >, &, U+2028/U+2029, writes invalid UTF-8 as `\ufffd`
// per byte), so the twin writes its output with this instead; a test then
// compares the two programs' lines for equality.
//
// nlohmann's rules: object members in insertion order, no spaces; strings
// escape `"` `\` and the control characters (\b \t \n \f \r by name, the
// rest as \u00xx with lower-case hex); everything else, DEL and non-ASCII
// included, is copied raw. Invalid UTF-8 (checked with the Hoehrmann DFA,
// i.e. Unicode's well-formed byte sequences) is replaced by U+FFFD, written
// raw (EF BF BD): one per maximal invalid prefix; the byte that ended such a
// prefix is read again as the start of the next sequence; a byte that cannot
// start a sequence is one replacement by itself; a string that ends inside a
// sequence gets one replacement for it.

package main

import (
	"strconv"
	"strings"
)

// jsonValue is one of: jsonObject, []jsonValue, string, bool, uint64,
// int64, nil.
type jsonValue any

// jsonObject keeps its members in insertion order.
type jsonObject struct {
	keys   []string
	values []jsonValue
}

func (o *jsonObject) set(k string, v jsonValue) *jsonObject {
	for i, existing := range o.keys {
		if existing == k {
			o.values[i] = v
			return o
		}
	}
	o.keys = append(o.keys, k)
	o.values = append(o.values, v)
	return o
}

func dumpJSON(v jsonValue) string {
	var b strings.Builder
	writeJSON(&b, v)
	return b.String()
}

func writeJSON(b *strings.Builder, v jsonValue) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case uint64:
		b.WriteString(strconv.FormatUint(x, 10))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case string:
		writeJSONString(b, x)
	case []jsonValue:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, e)
		}
		b.WriteByte(']')
	case *jsonObject:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			writeJSON(b, x.values[i])
		}
		b.WriteByte('}')
	default:
		panic("writeJSON: unsupported type")
	}
}

// utf8SeqLen returns the length of the well-formed sequence a lead byte
// starts, and the allowed range of its second byte; 0 when c cannot start
// a sequence.
func utf8Lead(c byte) (n int, lo, hi byte) {
	switch {
	case c < 0x80:
		return 1, 0, 0
	case c >= 0xC2 && c <= 0xDF:
		return 2, 0x80, 0xBF
	case c == 0xE0:
		return 3, 0xA0, 0xBF
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		return 3, 0x80, 0xBF
	case c == 0xED:
		return 3, 0x80, 0x9F
	case c == 0xF0:
		return 4, 0x90, 0xBF
	case c >= 0xF1 && c <= 0xF3:
		return 4, 0x80, 0xBF
	case c == 0xF4:
		return 4, 0x80, 0x8F
	}
	return 0, 0, 0
}

const replacementChar = "\xEF\xBF\xBD"

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	i := 0
	for i < len(s) {
		c := s[i]
		n, lo, hi := utf8Lead(c)
		if n == 0 {
			b.WriteString(replacementChar)
			i++
			continue
		}
		if n == 1 {
			writeASCII(b, c)
			i++
			continue
		}
		// Continuation bytes: the second within [lo, hi], the rest 80..BF.
		ok := 1
		for ok < n {
			if i+ok >= len(s) {
				break
			}
			d := s[i+ok]
			l, h := byte(0x80), byte(0xBF)
			if ok == 1 {
				l, h = lo, hi
			}
			if d < l || d > h {
				break
			}
			ok++
		}
		if ok == n {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		// Invalid or truncated: one replacement for the prefix; the byte
		// that broke it (if any) starts over.
		b.WriteString(replacementChar)
		i += ok
	}
	b.WriteByte('"')
}

func writeASCII(b *strings.Builder, c byte) {
	switch c {
	case '\b':
		b.WriteString(`\b`)
	case '\t':
		b.WriteString(`\t`)
	case '\n':
		b.WriteString(`\n`)
	case '\f':
		b.WriteString(`\f`)
	case '\r':
		b.WriteString(`\r`)
	case '"':
		b.WriteString(`\"`)
	case '\\':
		b.WriteString(`\\`)
	default:
		if c <= 0x1F {
			const hexDigits = "0123456789abcdef"
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xF])
		} else {
			b.WriteByte(c)
		}
	}
}
