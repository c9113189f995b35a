// Package authtest crafts tokens for tests: an OpenID issuer whose tokens carry any claims, and
// the hostile tokens an attacker would try (alg none, HS256 signed with the public key, a
// tampered payload, an unknown key).
package authtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Audience is the audience of the tokens Claims makes.
const Audience = "partnership-hub"

// Issuer is an OpenID issuer for tests: discovery and JWKS for RSA and EC keys, and tokens with
// any claims, signed with any of them.
type Issuer struct {
	URL  string
	keys map[jose.SignatureAlgorithm]jose.JSONWebKey // private keys, by the alg they sign with
}

// Start serves an issuer until the test ends.
func Start(t testing.TB) *Issuer {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ec256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	iss := &Issuer{keys: map[jose.SignatureAlgorithm]jose.JSONWebKey{
		jose.RS256: {Key: rsaKey, KeyID: "rsa", Algorithm: string(jose.RS256), Use: "sig"},
		jose.ES256: {Key: ec256, KeyID: "ec256", Algorithm: string(jose.ES256), Use: "sig"},
		jose.ES384: {Key: ec384, KeyID: "ec384", Algorithm: string(jose.ES384), Use: "sig"},
	}}
	var set jose.JSONWebKeySet
	for _, k := range iss.keys {
		set.Keys = append(set.Keys, k.Public())
	}

	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.URL = srv.URL
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{
			"issuer": iss.URL, "jwks_uri": iss.URL + "/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256", "ES384"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, set) })
	return iss
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v) // the test fails on the client side if this does
}

// Claims returns a valid set of claims with the given ones set; a nil value
// removes a claim.
func (iss *Issuer) Claims(set map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": iss.URL, "sub": "subject-1", "aud": []string{Audience},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for k, v := range set {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// Sign signs claims with the issuer's key for alg.
func (iss *Issuer) Sign(t testing.TB, alg jose.SignatureAlgorithm, claims map[string]any) string {
	t.Helper()
	key := iss.keys[alg]
	return SignWith(t, alg, key.Key, key.KeyID, claims)
}

// SignWith signs claims with key, naming kid in the header.
func SignWith(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return raw
}

// DecodeParts returns a JWT's header and payload without verifying it.
func DecodeParts(t testing.TB, raw string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("decode part %d: %v", i, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatalf("unmarshal part %d: %v", i, err)
		}
	}
	return header, payload
}

// EncodeSegment encodes one part of a JWT.
func EncodeSegment(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// PublicKeyPEM returns the PEM form of an issuer's first public key, as an attacker would take
// it from the JWKS.
func PublicKeyPEM(t testing.TB, issuer string) []byte {
	t.Helper()
	resp, err := http.Get(issuer + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) == 0 {
		t.Fatal("empty JWKS")
	}
	der, err := x509.MarshalPKIXPublicKey(set.Keys[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
