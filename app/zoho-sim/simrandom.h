#pragma once

#include <QtGlobal>

#include <cstddef>


namespace tiersync::sim {

// SplitMix64: tiny, fast and fully specified, so a seed yields the same data set on
// every platform and standard library (std::uniform_*_distribution do not promise that).
class SimRandom final {
public:
    explicit SimRandom(quint64 seed);
    // A generator for one record: mixing the parts means record N is the same whatever
    // the total count, and a mutation can rebuild it from its serial alone.
    SimRandom(quint64 seed, quint64 stream, quint64 serial);

    [[nodiscard]] quint64 next();
    [[nodiscard]] int range(int lowest, int highest);  // both inclusive
    [[nodiscard]] double unit();                        // [0, 1)
    [[nodiscard]] bool chance(double probability);

    template <typename T, std::size_t N>
    [[nodiscard]] const T &pick(const T (&items)[N])
    {
        return items[next() % N];
    }

private:
    quint64 m_state;
};

}  // namespace tiersync::sim
