#include "console/zoholimitsservice.h"

namespace tiersync {

ZohoLimitsService::ZohoLimitsService(QObject *parent) : QObject(parent) {}

ZohoLimitsService::~ZohoLimitsService() = default;

}  // namespace tiersync
