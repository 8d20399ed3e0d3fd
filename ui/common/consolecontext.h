#pragma once

class QSettings;

namespace tiersync {
class CacheAdminWorker;
class ConnectionChecker;
class KeyBrowserService;
class OverviewWorker;
class ProfileStore;
class ReplicaService;
class RetryLogWorker;
class SecretStore;
class StudentReadService;
class SyncRunService;
class ZohoLimitsWorker;
}  // namespace tiersync

namespace tiersync::ui {

class Confirmer;

// What the composition root hands the window: engine workers (already on their
// threads; talk to them only through queued signals), domain services (call their
// methods, connect to their results) and the stores. Not owned.
struct ConsoleContext final {
    KeyBrowserService *keyBrowser = nullptr;    // Keys page: the key list, values, deletes
    ConnectionChecker *healthChecker = nullptr;  // status bar polling
    ConnectionChecker *tester = nullptr;         // Settings page "Test connection"
    ProfileStore *profiles = nullptr;
    SecretStore *secrets = nullptr;
    Confirmer *confirmer = nullptr;
    SyncRunService *syncRuns = nullptr;  // Sync page: manual runs and the run history
    OverviewWorker *overview = nullptr;  // Overview page: statistics, heartbeats, caching switch
    RetryLogWorker *retryLog = nullptr;  // Retries page: the retry log and circuit per instance
    StudentReadService *students = nullptr;     // Students page: reads through its own CacheEngine
    CacheAdminWorker *cacheActions = nullptr;   // Cache page: warm and invalidate (blocked while they run)
    CacheAdminWorker *cacheLists = nullptr;     // Cache page: the caching switch and webhook events
    ZohoLimitsWorker *zohoLimits = nullptr;     // Settings page: the organisation's Zoho limits
    ReplicaService *replica = nullptr;          // Sync page: schedules and notification channels
};

}  // namespace tiersync::ui
