package engines

import (
	_ "unsafe" // go:linkname, to read SQL the hub builds at run time

	_ "github.com/partnership-hub/hub/pkg/workforce"
)

// SQL held in package variables is built when its package starts (workforce returns list their
// figure columns from the kind's fields), so its text is not in the code: these read the
// variables themselves. TestEverySQLHasAParityCase fails for a variable missing here.
var (
	//go:linkname workforceInsertReturns github.com/partnership-hub/hub/pkg/workforce.insertReturns
	workforceInsertReturns string
	//go:linkname workforceSelectReturns github.com/partnership-hub/hub/pkg/workforce.selectReturns
	workforceSelectReturns string
	//go:linkname workforceSelectPeriod github.com/partnership-hub/hub/pkg/workforce.selectPeriod
	workforceSelectPeriod string
	//go:linkname workforceSelectFigures github.com/partnership-hub/hub/pkg/workforce.selectFigures
	workforceSelectFigures string
	//go:linkname workforceSelectFiguresOf github.com/partnership-hub/hub/pkg/workforce.selectFiguresOf
	workforceSelectFiguresOf string
)

// linked maps a variable's id to its text.
var linked = map[string]*string{
	"pkg/workforce.insertReturns":   &workforceInsertReturns,
	"pkg/workforce.selectReturns":   &workforceSelectReturns,
	"pkg/workforce.selectPeriod":    &workforceSelectPeriod,
	"pkg/workforce.selectFigures":   &workforceSelectFigures,
	"pkg/workforce.selectFiguresOf": &workforceSelectFiguresOf,
}

// sqlText returns the text of a statement: its constant value, or its linked variable's.
func sqlText(h hubSQL) string {
	if h.SQL != "" {
		return h.SQL
	}
	if p := linked[h.ID]; p != nil {
		return *p
	}
	return ""
}
