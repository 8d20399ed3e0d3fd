#include "console/studentreadservice.h"

namespace tiersync {

StudentReadService::StudentReadService(QObject *parent) : QObject(parent) {}

StudentReadService::~StudentReadService() = default;

}  // namespace tiersync
