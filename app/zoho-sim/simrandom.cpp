#include "simrandom.h"

namespace tiersync::sim {

SimRandom::SimRandom(quint64 seed) : m_state(seed) {}

SimRandom::SimRandom(quint64 seed, quint64 stream, quint64 serial)
    : m_state(seed * 0x9E3779B97F4A7C15ULL ^ (stream + 1) * 0xC2B2AE3D27D4EB4FULL
              ^ (serial + 1) * 0x165667B19E3779F9ULL)
{
    (void)next();  // decorrelate neighbouring serials
}

quint64 SimRandom::next()
{
    quint64 z = (m_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int SimRandom::range(int lowest, int highest)
{
    if (highest <= lowest)
        return lowest;
    const auto span = static_cast<quint64>(highest - lowest) + 1;
    return lowest + static_cast<int>(next() % span);
}

double SimRandom::unit()
{
    return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
}

bool SimRandom::chance(double probability)
{
    return probability > 0 && unit() < probability;
}

}  // namespace tiersync::sim
