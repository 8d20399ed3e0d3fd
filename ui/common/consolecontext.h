#pragma once

class QSettings;

namespace tiersync {
class CacheAdminService;
class ConnectionCheckService;
class KeyBrowserService;
class ProfileStore;
class ReplicaService;
class SecretStore;
class StatisticsService;
class StudentReadService;
class SyncRunService;
class ZohoLimitsService;
}  // namespace tiersync

namespace tiersync::ui {

class Confirmer;

// What the composition root hands the window: the domain services (call their methods,
// connect to their results; each owns its threads) and the stores. Not owned.
struct ConsoleContext final {
    KeyBrowserService *keyBrowser = nullptr;    // Keys page: the key list, values, deletes
    ConnectionCheckService *connectionChecks = nullptr;  // status bar health, Settings page "Test connection"
    ProfileStore *profiles = nullptr;
    SecretStore *secrets = nullptr;
    Confirmer *confirmer = nullptr;
    SyncRunService *syncRuns = nullptr;  // Sync page: manual runs and the run history
    StatisticsService *statistics = nullptr;  // Overview and Retries pages: statistics, heartbeats, retry log
    StudentReadService *students = nullptr;     // Students page: reads through its own CacheEngine
    CacheAdminService *cacheAdmin = nullptr;    // Cache page: warm, invalidate, the switch, webhook events
    ZohoLimitsService *zohoLimits = nullptr;    // Settings page: the organisation's Zoho limits
    ReplicaService *replica = nullptr;          // Sync page: schedules and notification channels
};

}  // namespace tiersync::ui
