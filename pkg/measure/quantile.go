package measure

import "math"

// Quantile returns the p-quantile of sorted values by linear interpolation between order
// statistics (Hyndman and Fan's type 7, the default of R and of spreadsheets' QUARTILE.INC):
// h = (n−1)·p, then x[⌊h⌋] + (h−⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). NaN for no values.
func Quantile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * p
	lo := int(math.Floor(h))
	hi := min(lo+1, n-1)
	return sorted[lo] + (h-float64(lo))*(sorted[hi]-sorted[lo])
}
