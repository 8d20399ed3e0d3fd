#pragma once

#include "console/zoholimitsservice.h"

#include <QList>

namespace tiersync::test {

// Records every call; the test answers with the signals, as the engine's answers would
// arrive (on the GUI thread, from the event loop).
class FakeZohoLimitsService final : public ZohoLimitsService {
public:
    QList<ConnectionProfile> profiles;
    int loads = 0;
    int pendingLoads = 0;  // asked for, not answered yet
    QList<ZohoLimitsRepository::Row> saves;

    void setProfile(const ConnectionProfile &profile) override;
    void load() override;
    void save(const ZohoLimitsRepository::Row &row) override;

    // Answers every load asked for with these rows; returns how many.
    int answerLoads(const QList<ZohoLimitsRepository::Row> &rows);
};

}  // namespace tiersync::test
