#pragma once

#include "console/statisticsservice.h"

#include <QList>

namespace tiersync::test {

// Records every call; the test answers with the signals, as the engine's answers would
// arrive (on the GUI thread, from the event loop).
class FakeStatisticsService final : public StatisticsService {
public:
    QList<ConnectionProfile> profiles;
    int overviewLoads = 0;
    int retryLogLoads = 0;
    int pendingOverview = 0;  // asked for, not answered yet
    int pendingRetryLog = 0;

    void setProfile(const ConnectionProfile &profile) override;
    void loadOverview() override;
    void loadRetryLog() override;

    // Answers every overview load asked for with this snapshot; returns how many.
    int answerOverview(const OverviewSnapshot &snapshot);
    int answerRetryLog(const RetryLogUpdate &update);
};

}  // namespace tiersync::test
