package submission

import (
	"bytes"
	"testing"
)

// A chunk's rows travel compressed and come back exactly; a chunk published uncompressed (by an
// earlier release, still in the stream after an upgrade) is read as it is.
func TestPackUnpack(t *testing.T) {
	wire := bytes.Repeat([]byte(`["2","E06000001","2025","100.5"]`+"\n"), 1000)
	var p Packer
	for range 2 { // one writer for every chunk of a body
		packed, err := p.Pack(wire)
		if err != nil {
			t.Fatal(err)
		}
		if len(packed)*5 > len(wire) {
			t.Errorf("%d bytes packed into %d", len(wire), len(packed))
		}
		back, err := Unpack(packed)
		if err != nil || !bytes.Equal(back, wire) {
			t.Fatalf("unpacked %d bytes (%v), want the %d packed", len(back), err, len(wire))
		}
	}
	for _, old := range [][]byte{wire, []byte("row,org\n2,E06000001\n"), nil} {
		if back, err := Unpack(old); err != nil || !bytes.Equal(back, old) {
			t.Errorf("uncompressed %q read as %q (%v)", old, back, err)
		}
	}
}
