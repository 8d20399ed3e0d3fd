#include "fakezoholimitsservice.h"

namespace tiersync::test {

void FakeZohoLimitsService::setProfile(const ConnectionProfile &profile)
{
    profiles.append(profile);
}

void FakeZohoLimitsService::load()
{
    ++loads;
    ++pendingLoads;
}

void FakeZohoLimitsService::save(const ZohoLimitsRepository::Row &row)
{
    saves.append(row);
}

int FakeZohoLimitsService::answerLoads(const QList<ZohoLimitsRepository::Row> &rows)
{
    int answered = 0;
    for (; pendingLoads > 0; --pendingLoads, ++answered)
        Q_EMIT limitsLoaded(rows);
    return answered;
}

}  // namespace tiersync::test
