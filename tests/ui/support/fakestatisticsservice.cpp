#include "fakestatisticsservice.h"

namespace tiersync::test {

void FakeStatisticsService::setProfile(const ConnectionProfile &profile)
{
    profiles.append(profile);
}

void FakeStatisticsService::loadOverview()
{
    ++overviewLoads;
    ++pendingOverview;
}

void FakeStatisticsService::loadRetryLog()
{
    ++retryLogLoads;
    ++pendingRetryLog;
}

int FakeStatisticsService::answerOverview(const OverviewSnapshot &snapshot)
{
    int answered = 0;
    for (; pendingOverview > 0; --pendingOverview, ++answered)
        Q_EMIT overviewLoaded(snapshot);
    return answered;
}

int FakeStatisticsService::answerRetryLog(const RetryLogUpdate &update)
{
    int answered = 0;
    for (; pendingRetryLog > 0; --pendingRetryLog, ++answered)
        Q_EMIT retryLogLoaded(update);
    return answered;
}

}  // namespace tiersync::test
