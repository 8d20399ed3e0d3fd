#pragma once

#include <QtGlobal>

#include <functional>

namespace tiersync {

// Probabilistic early expiration (XFetch, Vattani et al., "Optimal Probabilistic Cache
// Stampede Prevention", VLDB 2015): a read of a cached value refreshes it early when
//     now - costMs * beta * ln(random()) >= expiresAt,   random() uniform in (0, 1].
// Values that are expensive to recompute, or close to expiry, are refreshed earlier and
// more often, so hot keys are renewed before they expire instead of all missing at once.
// The random source is injected so tests decide the outcome.
class EarlyRefreshPolicy final {
public:
    using RandomSource = std::function<double()>;  // uniform in (0, 1]

    explicit EarlyRefreshPolicy(double beta = 1.0, RandomSource random = {});

    [[nodiscard]] bool shouldRefresh(qint64 nowMs, qint64 expiresAtMs, qint64 costMs) const;
    [[nodiscard]] double beta() const { return m_beta; }

private:
    double m_beta;
    RandomSource m_random;
};

}  // namespace tiersync
