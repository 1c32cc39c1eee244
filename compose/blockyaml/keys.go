package blockyaml

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// sortedKeys returns m's keys in the order go-yaml v2 writes them. That
// order is not transitive for some keys (a1a < a2 < a10 < a1a), and go-yaml
// sorts them as the map's iteration hands them over, differently from one
// run to the next; here they are first put in byte order and then sorted
// stably, so that the same keys always come out in the same order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.SortStableFunc(keys, func(a, b string) int {
		switch {
		case keyLess(a, b):
			return -1
		case keyLess(b, a):
			return 1
		}
		return 0
	})
	return keys
}

// keyLess is go-yaml v2's order of string keys (its keyList.Less): by
// character, except that runs of digits compare as numbers and a letter
// sorts after any other character.
func keyLess(a, b string) bool {
	if ascii(a) && ascii(b) {
		return runesLess([]byte(a), []byte(b))
	}
	return runesLess([]rune(a), []rune(b))
}

// ascii reports whether s is all ASCII (its bytes are its runes).
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// runesLess is keyList.Less on the characters of two strings.
func runesLess[C byte | rune](ar, br []C) bool {
	digit := func(c C) bool { return unicode.IsDigit(rune(c)) }
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al, bl := unicode.IsLetter(rune(ar[i])), unicode.IsLetter(rune(br[i]))
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && digit(ar[j]); j-- {
				if ar[j] != '0' {
					an, bn = 1, 1
					break
				}
			}
		}
		for ai = i; ai < len(ar) && digit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for bi = i; bi < len(br) && digit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}
