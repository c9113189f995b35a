module github.com/partnership-hub/hub/pkg

go 1.26
