package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// decode parses config.json, turning the decoder's byte offsets into the
// line and column an editor shows.
func decode(data []byte) (*specs.Spec, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty file, want a JSON object")
	}
	var s specs.Spec
	err := json.Unmarshal(data, &s)
	if err == nil {
		return &s, nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return nil, fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, err)
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		return nil, &FieldError{Field: field, Err: err, Msg: fmt.Sprintf(
			"expected %s, got JSON %s (line %d, column %d)", jsonKind(typ.Type), typ.Value, line, col)}
	}
	return nil, fmt.Errorf("invalid JSON: %w", err)
}

// jsonKind names a Go type the way config.json's author sees it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	}
	return t.Kind().String()
}

// position converts a decoder offset (the number of bytes read when the
// error was found) to a 1-based line and column of the offending byte.
func position(data []byte, offset int64) (line, col int) {
	off := int(offset)
	if off > len(data) {
		off = len(data)
	}
	if off > 0 {
		off-- // the decoder has already consumed the bad byte
	}
	before := data[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = off - bytes.LastIndexByte(before, '\n')
	return line, col
}
