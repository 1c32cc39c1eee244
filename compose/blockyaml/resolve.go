package blockyaml

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// resolvesToString reports whether go-yaml reads s, written plain, back as
// a string: go-yaml's resolve with no tag returning !!str. Its first byte
// hints at what else s might be: a sign or digit (number, timestamp), a
// dot (float), or one of the letters of its bools and nulls.
func resolvesToString(s string) bool {
	if s == "" {
		return false // null
	}
	switch s[0] {
	case '+', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return !specialWord[s] && !number(s)
	case '.':
		if specialWord[s] {
			return false
		}
		_, err := strconv.ParseFloat(s, 64)
		return err != nil
	case 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O', '~':
		return !specialWord[s]
	}
	return true
}

// specialWord holds the words go-yaml v2 reads as a bool, null, special
// float or merge key (YAML 1.1's: y, on, off… are bools).
var specialWord = wordSet(`y Y yes Yes YES true True TRUE on On ON n N no No NO false False FALSE
	off Off OFF ~ null Null NULL .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF <<`)

func wordSet(words string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}

// number reports whether s, starting with a sign or digit, reads as a
// timestamp, an integer (any base, underscores dropped) or a float.
func number(s string) bool {
	if timestamp(s) {
		return true
	}
	plain := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return true
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return true
	}
	if yamlStyleFloat.MatchString(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return true
		}
	}
	if rest, ok := strings.CutPrefix(plain, "0b"); ok {
		if _, err := strconv.ParseInt(rest, 2, 64); err == nil {
			return true
		}
		_, err := strconv.ParseUint(rest, 2, 64)
		return err == nil
	}
	if rest, ok := strings.CutPrefix(plain, "-0b"); ok {
		_, err := strconv.ParseInt("-"+rest, 2, 64)
		return err == nil
	}
	return false
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// timestampFormats are the layouts go-yaml v2 reads a timestamp in.
var timestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// timestamp reports whether s reads as a timestamp: four digits, a dash,
// then one of timestampFormats.
func timestamp(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, f := range timestampFormats {
		if _, err := time.Parse(f, s); err == nil {
			return true
		}
	}
	return false
}

// isBase60Float reports whether s is a YAML 1.1 sexagesimal number
// (1:20:30), which go-yaml quotes for other readers' sake.
func isBase60Float(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !(c == '+' || c == '-' || c >= '0' && c <= '9') || strings.IndexByte(s, ':') < 0 {
		return false
	}
	return base60Float.MatchString(s)
}

var base60Float = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)
