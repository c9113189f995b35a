package kind

import (
	"fmt"
	"hash/fnv"
	"io"

	"github.com/partnership-hub/hub/pkg/submission"
)

// Body is a submission's body and its syntax.
type Body struct {
	R   io.Reader
	CSV bool // CSV with a header row; otherwise JSON
}

// Limits bound a submission as it is read.
type Limits struct {
	MaxRows   int // rows one submission may hold; past it, rows are counted but no longer kept
	ChunkRows int // rows per chunk
}

// Chunk is a run of consecutive rows of a submission, good and refused alike: the good ones in
// the wire form, compressed (submission.Unpack gives it back), and why each refused one is.
type Chunk struct {
	Rows     []byte
	Count    int // good rows in Rows
	Rejected []submission.RowError
}

// MaxForeign is how many rows for other organisations a Summary lists.
const MaxForeign = 100

// Summary is what reading a body found as a whole.
type Summary struct {
	Rows int // rows read, good and refused
	// Foreign lists the first MaxForeign rows for an organisation the caller may not report for,
	// ForeignRows counts them all and ForeignOrgs names those organisations (the first few).
	Foreign     []submission.RowError
	ForeignRows int
	ForeignOrgs []string
	// Org is the organisation every row that could be read names, "" when they name several.
	Org string
}

// Read reads a submission's body row by row, as it comes: each row is read, refused on its own
// when it cannot be (with its field and why), refused when it repeats the key of an earlier row,
// and checked against the submit policy; the rows are handed to emit in chunks of lim.ChunkRows
// consecutive rows (a chunk with no rows is not emitted). Memory does not grow with the body,
// but for a small mark per row to find repeats.
//
// Read does not stop at a problem with the body as a whole: past lim.MaxRows rows, or once a row
// names another organisation than the caller may report for, it goes on counting and listing
// but emits nothing more, so the caller can say exactly what is wrong. A body that cannot be read
// at all is a submission.DocumentError.
func (k *Kind[R]) Read(body Body, c Caller, lim Limits, emit func(Chunk) error) (Summary, error) {
	var (
		s       Summary
		first   = -1 // the first row's number: chunks count from it
		current = -1 // the chunk being filled
		rows    []Row[R]
		refused []submission.RowError
		last    = -1
		seen    = map[[16]byte]int32{}
		orgs    = map[string]bool{}
		named   = 0 // rows read whose organisation is known
		zip     submission.Packer
	)
	stopped := func() bool { return s.Rows > lim.MaxRows || s.ForeignRows > 0 }
	flush := func() error {
		if stopped() || len(rows)+len(refused) == 0 {
			rows, refused = rows[:0], nil
			return nil
		}
		b, err := k.Format.Encode(rows)
		if err == nil {
			b, err = zip.Pack(b)
		}
		if err != nil {
			return fmt.Errorf("encode %s: %w", k.Rows, err)
		}
		err = emit(Chunk{Rows: b, Count: len(rows), Rejected: refused})
		rows, refused = rows[:0], nil
		return err
	}
	size := max(lim.ChunkRows, 1)
	var (
		v R // the row read: one value for every row, as Key and Org take its address
		h = fnv.New128a()
	)
	each := func(n int, row R, errs []submission.RowError) error {
		v = row
		if n != last {
			s.Rows++
			last = n
		}
		if first < 0 {
			first = n
		}
		if ch := (n - first) / size; ch != current {
			if err := flush(); err != nil {
				return err
			}
			current = ch
		}
		if len(errs) > 0 {
			if !stopped() {
				refused = append(refused, errs...)
			}
			return nil
		}
		key := k.Key(&v)
		if s.Rows <= lim.MaxRows {
			h.Reset()
			_, _ = io.WriteString(h, key)
			var mark [16]byte
			h.Sum(mark[:0])
			if prev, ok := seen[mark]; ok {
				if !stopped() {
					refused = append(refused, submission.RowError{Row: n, Reason: fmt.Sprintf("repeats row %d: %s", prev, key)})
				}
				return nil
			}
			seen[mark] = int32(n)
		}
		org := k.Org(&v)
		switch {
		case named == 0:
			s.Org = org
		case org != s.Org:
			s.Org = ""
		}
		named++
		if !k.Policy.Allows(c, org) {
			s.ForeignRows++
			if len(s.Foreign) < MaxForeign {
				s.Foreign = append(s.Foreign, submission.RowError{Row: n, Field: "org", Reason: fmt.Sprintf("%s is not your organisation (%s)", org, c.Org)})
			}
			if !orgs[org] && len(s.ForeignOrgs) < MaxForeign {
				orgs[org] = true
				s.ForeignOrgs = append(s.ForeignOrgs, org)
			}
			return nil
		}
		if stopped() {
			return nil
		}
		rows = append(rows, Row[R]{Num: n, Value: v})
		return nil
	}
	var err error
	if body.CSV {
		err = k.Format.ReadCSV(body.R, each)
	} else {
		err = k.Format.ReadJSON(body.R, each)
	}
	if err != nil {
		return s, err
	}
	return s, flush()
}

// Decoded is a whole body read at once (see ReadAll).
type Decoded[R any] struct {
	Rows     []Row[R]
	Rejected []submission.RowError
}

// ReadAll reads a whole body into memory, for tests and small bodies: the rows that could be read
// (repeats refused), and why each other one could not, in row order.
func (k *Kind[R]) ReadAll(body Body) (Decoded[R], error) {
	var d Decoded[R]
	_, err := k.Read(body, Caller{Roles: k.Policy.Any}, Limits{MaxRows: 1 << 30, ChunkRows: 1 << 30}, func(c Chunk) error {
		b, err := submission.Unpack(c.Rows)
		if err != nil {
			return err
		}
		rows, err := k.Format.Decode(b)
		d.Rows = append(d.Rows, rows...)
		d.Rejected = append(d.Rejected, c.Rejected...)
		return err
	})
	return d, err
}
