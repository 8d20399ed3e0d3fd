#include "console/syncrunservice.h"

namespace tiersync {

SyncRunService::SyncRunService(QObject *parent) : QObject(parent) {}

SyncRunService::~SyncRunService() = default;

}  // namespace tiersync
