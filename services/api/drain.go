package api

import (
	"errors"
	"io"
	"net/http"
	"strings"
)

// readUnread lets every client read an answer given before its request body was read — a 401
// or 429 from the authenticate middleware, a 413, any refusal a handler makes first. By
// default Go's server reads at most 256 KiB of such a body and then closes the connection; a
// client still sending the body (Python's http.client sends it whole before it reads anything)
// then meets a broken pipe or a reset instead of the answer. Here the answer is sent at once and
// the rest of the body read and dropped, for a body of up to twice limit (the upload limit: a
// file a little too large gets its 413); a larger body's connection is closed as before. A
// client that sends Expect: 100-continue is answered before it sends the body at all, so nothing
// is read for it.
func readUnread(next http.Handler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 || strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
			next.ServeHTTP(w, r)
			return
		}
		body := &eofReader{r: r.Body}
		r.Body = body
		rc := http.NewResponseController(w)
		// Full duplex stops the server from reading (and dropping) the unread body itself
		// before it writes the answer, so that the answer can go first.
		duplex := rc.EnableFullDuplex() == nil
		next.ServeHTTP(w, r)
		if body.eof || !duplex {
			return
		}
		_ = rc.Flush()
		if budget := 2*limit - body.n; budget > 0 {
			_, _ = io.CopyN(io.Discard, body, budget)
		}
	})
}

// eofReader notes how much of a body has been read, and whether to its end. Closing it leaves
// the body open for readUnread to read the rest (the server closes it when the request ends):
// a handler that refuses a body closes it unread.
type eofReader struct {
	r   io.ReadCloser
	n   int64
	eof bool
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.n += int64(n)
	if errors.Is(err, io.EOF) {
		e.eof = true
	}
	return n, err
}

func (e *eofReader) Close() error { return nil }
