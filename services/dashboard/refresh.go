package dashboard

import (
	"context"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"
)

// spentFor is how long the token a refresh gave is remembered beside the refresh token it spent:
// long enough for a request that read the session before the new token was kept.
const spentFor = time.Minute

// refresher renews expired access tokens so that a refresh token is spent once. The provider
// rotates refresh tokens and takes one spent twice as stolen, ending the sign-in; several requests
// of one session that find the access token expired at the same moment (two tabs, a page and its
// download) would each spend it. Requests holding the same refresh token share one refresh, and a
// request that read the session just before the new token was kept is given the token that
// refresh gave.
type refresher struct {
	flight singleflight.Group
	mu     sync.Mutex
	spent  map[string]renewed // by the refresh token spent
}

type renewed struct {
	tok *oauth2.Token
	at  time.Time
}

// renew returns a fresh token for refresh, asking the provider through cfg at most once.
func (r *refresher) renew(ctx context.Context, cfg *oauth2.Config, refresh string) (*oauth2.Token, error) {
	if tok, ok := r.given(refresh); ok {
		return tok, nil
	}
	v, err, _ := r.flight.Do(refresh, func() (any, error) {
		if tok, ok := r.given(refresh); ok {
			return tok, nil
		}
		tok, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.spent == nil {
			r.spent = map[string]renewed{}
		}
		r.spent[refresh] = renewed{tok: tok, at: time.Now()}
		return tok, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*oauth2.Token), nil
}

// given is the token a recent refresh of refresh gave; older entries are forgotten on the way.
func (r *refresher) given(refresh string) (*oauth2.Token, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, v := range r.spent {
		if time.Since(v.at) > spentFor {
			delete(r.spent, k)
		}
	}
	v, ok := r.spent[refresh]
	return v.tok, ok
}
