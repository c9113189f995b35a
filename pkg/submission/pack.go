package submission

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
)

// A chunk's rows travel gzip-compressed, and so are the results ingest records of chunks with
// many refused rows: both are repetitive text, and compressed they take a tenth of the room in
// the stream, the status bucket, the spool of a large upload and ingest's batches. What was
// written before compression is read as it is.

// Packer compresses one piece after another (the chunks of one body), with one writer for all.
type Packer struct{ zw *gzip.Writer }

// Pack compresses b; Unpack gives it back.
func (p *Packer) Pack(b []byte) ([]byte, error) {
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
		return nil, fmt.Errorf("compress: %w", err)
	}
	if err := p.zw.Close(); err != nil {
		return nil, fmt.Errorf("compress: %w", err)
	}
	return out.Bytes(), nil
}

// Unpack gives back what Pack compressed, and anything not compressed (written by an earlier
// release) as it is.
func Unpack(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	return out, nil
}
