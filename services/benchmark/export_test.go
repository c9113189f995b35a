package benchmark

import "context"

// WrapRecompute makes the service's recompute step wrap(the real one), so that a test can make
// it fail or panic for some periods.
func (s *Service) WrapRecompute(wrap func(next func(ctx context.Context, periods []string) error) func(ctx context.Context, periods []string) error) {
	s.recompute = wrap(s.recompute)
}
