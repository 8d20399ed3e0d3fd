#include "console/cacheadminservice.h"

namespace tiersync {

CacheAdminService::CacheAdminService(QObject *parent) : QObject(parent) {}

CacheAdminService::~CacheAdminService() = default;

}  // namespace tiersync
