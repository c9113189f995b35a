package api

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/partnership-hub/hub/pkg/kind"
)

// An upload is read once, as it comes off the connection: every byte is hashed (for the
// idempotency key of a submission sent without one) and counted against the limit, the rows are
// read, checked and cut into chunks, and the chunks are set aside in a spool. Only once the
// whole body is known to be one the hub takes — no row for another organisation, not too many
// rows — is the submission claimed and its chunks published, read back from the spool one at a
// time. So memory does not grow with the file: the body, the decoded rows and the chunks are
// never all held at once, and a body refused for its length costs no more than one accepted.

// errTooLarge is the error reading a body past its limit.
var errTooLarge = errors.New("the body is larger than the limit")

// uploadBody reads a submission's body up to limit bytes, hashing every byte read.
type uploadBody struct {
	r     io.Reader // the body, cut one byte past the limit
	hash  hash.Hash
	n     int64
	limit int64
}

func newUploadBody(r io.Reader, limit int64) *uploadBody {
	return &uploadBody{r: io.LimitReader(r, limit+1), hash: sha256.New(), limit: limit}
}

func (b *uploadBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.limit {
		return 0, errTooLarge
	}
	b.hash.Write(p[:n])
	return n, err
}

// sum is the SHA-256 of the whole body: it reads (and hashes) what the reader of the rows left.
func (b *uploadBody) sum() ([32]byte, error) {
	var s [32]byte
	if _, err := io.Copy(io.Discard, b); err != nil {
		return s, err
	}
	b.hash.Sum(s[:0])
	return s, nil
}

// spoolMemory is how many bytes of chunks a spool keeps in memory before it moves them to a
// file: a small submission never touches the disk.
const spoolMemory = 4 << 20

// spool keeps a submission's chunks, in order, between reading the body and publishing them:
// in memory up to spoolMemory bytes, past it in a temporary file (in $TMPDIR), removed when
// the spool is closed.
type spool struct {
	mem  []kind.Chunk
	held int
	f    *os.File
	w    *bufio.Writer
	enc  *gob.Encoder
	n    int
}

// spoolError is a chunk that could not be set aside: the hub's fault, not the body's.
type spoolError struct{ err error }

func (e *spoolError) Error() string { return "spool the submission: " + e.err.Error() }
func (e *spoolError) Unwrap() error { return e.err }

// add sets a chunk aside.
func (s *spool) add(c kind.Chunk) error {
	s.n++
	if s.f == nil && s.held+len(c.Rows) <= spoolMemory {
		s.mem = append(s.mem, c)
		s.held += len(c.Rows)
		return nil
	}
	if s.f == nil {
		f, err := os.CreateTemp("", "hub-upload-*")
		if err != nil {
			return &spoolError{err}
		}
		s.f, s.w = f, bufio.NewWriterSize(f, 256<<10)
		s.enc = gob.NewEncoder(s.w)
		for _, m := range s.mem {
			if err := s.enc.Encode(m); err != nil {
				return &spoolError{err}
			}
		}
		s.mem, s.held = nil, 0
	}
	if err := s.enc.Encode(c); err != nil {
		return &spoolError{err}
	}
	return nil
}

// each hands every chunk set aside to fn, in order, one at a time.
func (s *spool) each(fn func(i int, c kind.Chunk) error) error {
	if s.f == nil {
		for i, c := range s.mem {
			if err := fn(i, c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return &spoolError{err}
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return &spoolError{err}
	}
	dec := gob.NewDecoder(bufio.NewReaderSize(s.f, 256<<10))
	for i := range s.n {
		var c kind.Chunk
		if err := dec.Decode(&c); err != nil {
			return &spoolError{fmt.Errorf("chunk %d: %w", i, err)}
		}
		if err := fn(i, c); err != nil {
			return err
		}
	}
	return nil
}

// close removes the spool's file, if it has one.
func (s *spool) close() {
	if s.f != nil {
		_ = s.f.Close()
		_ = os.Remove(s.f.Name())
	}
}

// sniffFrom names the content type of a body sent without one, by its first character after a
// byte-order mark and blanks (see sniff), peeking at the body without consuming it.
func sniffFrom(br *bufio.Reader) (ct, note string) {
	for n := 64; ; n *= 2 {
		b, err := br.Peek(n)
		rest := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\ufeff")), " \t\r\n")
		if len(rest) > 0 || err != nil || n >= br.Size() {
			return sniff(rest)
		}
	}
}
