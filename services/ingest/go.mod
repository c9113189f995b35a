module github.com/partnership-hub/hub/services/ingest

go 1.26

require github.com/partnership-hub/hub/pkg v0.0.0

replace github.com/partnership-hub/hub/pkg => ../../pkg
