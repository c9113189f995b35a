package kind

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
)

// A chunk's rows travel gzip-compressed: the wire form (one JSON array of text a line) is
// repetitive, and compressed it takes a tenth of the room in the stream, in the spool of a large
// upload and in ingest's batches. Chunks published before compression are read as they are.

// packer compresses the chunks of one body, one writer for all of them.
type packer struct{ zw *gzip.Writer }

func (p *packer) pack(b []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(b)/6 + 64)
	if p.zw == nil {
		zw, err := gzip.NewWriterLevel(&out, gzip.BestSpeed)
		if err != nil {
			return nil, err
		}
		p.zw = zw
	} else {
		p.zw.Reset(&out)
	}
	if _, err := p.zw.Write(b); err != nil {
		return nil, fmt.Errorf("compress rows: %w", err)
	}
	if err := p.zw.Close(); err != nil {
		return nil, fmt.Errorf("compress rows: %w", err)
	}
	return out.Bytes(), nil
}

// Unpack gives back a chunk's wire form as Format.Decode reads it: decompressed, or as it is
// when it was sent uncompressed (by an earlier release).
func Unpack(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decompress rows: %w", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("decompress rows: %w", err)
	}
	return out, nil
}
