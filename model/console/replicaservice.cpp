#include "console/replicaservice.h"

namespace tiersync {

ReplicaService::ReplicaService(QObject *parent) : QObject(parent) {}

ReplicaService::~ReplicaService() = default;

}  // namespace tiersync
