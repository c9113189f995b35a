package kind

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/partnership-hub/hub/pkg/submission"
)

// Wire turns a kind's wire form back into what a client sends, and into its values: the contract
// tests read every kind through it, whatever its row type.
type Wire interface {
	// CSV writes the rows as a client's CSV body.
	CSV(wire []byte) ([]byte, error)
	// JSON writes the rows as a client's JSON body, {"<member>": [...]}, as the JSON Schema
	// describes it.
	JSON(wire []byte) ([]byte, error)
	// Equal reports whether two wire forms hold the same values, whatever their row numbers.
	Equal(a, b []byte) (bool, error)
}

// Wire implements Any.
func (k *Kind[R]) Wire() Wire { return wire[R]{k} }

type wire[R any] struct{ k *Kind[R] }

func (w wire[R]) values(b []byte) ([]R, error) {
	b, err := submission.Unpack(b)
	if err != nil {
		return nil, err
	}
	rows, err := w.k.Format.Decode(b)
	if err != nil {
		return nil, err
	}
	out := make([]R, len(rows))
	for i, r := range rows {
		out[i] = r.Value
	}
	return out, nil
}

func (w wire[R]) CSV(b []byte) ([]byte, error) {
	vs, err := w.values(b)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = w.k.Format.WriteCSV(&buf, vs)
	return buf.Bytes(), err
}

func (w wire[R]) JSON(b []byte) ([]byte, error) {
	vs, err := w.values(b)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string][]R{w.k.Format.Member(): vs})
}

func (w wire[R]) Equal(a, b []byte) (bool, error) {
	va, err := w.values(a)
	if err != nil {
		return false, err
	}
	vb, err := w.values(b)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(va, vb), nil
}
