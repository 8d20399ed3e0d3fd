#include "console/statisticsservice.h"

namespace tiersync {

StatisticsService::StatisticsService(QObject *parent) : QObject(parent) {}

StatisticsService::~StatisticsService() = default;

}  // namespace tiersync
