module github.com/partnership-hub/hub/services/cli

go 1.26.0

require (
	github.com/alecthomas/kong v1.17.0
	github.com/partnership-hub/hub/pkg v0.0.0
	github.com/schollz/progressbar/v3 v3.19.1
	golang.org/x/oauth2 v0.38.0
	golang.org/x/term v0.48.0
)

require (
	github.com/mitchellh/colorstring v0.0.0-20190213212951-d06e56a500db // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/partnership-hub/hub/pkg => ../../pkg
