package api

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/partnership-hub/hub/pkg/measure"
)

// queryNumbers reads every number in a query string (a year, a limit, a what-if of the
// projections) with the hub's one number grammar before huma parses it: huma's own parsing
// (strconv) takes 0x1p4 as 16, 1e1 as 10, +5 as 5, and NaN and Inf, which then fail the answer
// with a 500. Such a value is refused (422) with the parameter and a reason that shows it.
func queryNumbers(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		for _, p := range ctx.Operation().Parameters {
			if p.In != "query" || p.Schema == nil || (p.Schema.Type != huma.TypeNumber && p.Schema.Type != huma.TypeInteger) {
				continue
			}
			v := ctx.Query(p.Name)
			if v == "" {
				continue
			}
			if _, err := measure.ParseNumber(v); err != nil {
				_ = huma.WriteErr(api, ctx, http.StatusUnprocessableEntity, "query parameter "+p.Name+": "+err.Error(),
					&huma.ErrorDetail{Location: "query." + p.Name, Message: err.Error(), Value: v})
				return
			}
		}
		next(ctx)
	}
}
