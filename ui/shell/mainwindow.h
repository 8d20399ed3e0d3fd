#pragma once

#include "common/consolecontext.h"
#include "core/connectionprofile.h"

#include <QMainWindow>

#include <functional>

class QLabel;
class QListWidget;
class QStackedWidget;
class QTimer;

namespace tiersync {
struct ConnectionCheck;
}

namespace tiersync::ui {

class CachePage;
class HealthIndicator;
class KeysPage;
class OverviewPage;
class RetriesPage;
class SettingsPage;
class StudentsPage;
class SyncPage;

// The console's frame: a page list on the left, one widget per page (each from its
// own folder under ui/), and a status bar with the active profile and the health of
// Redis, PostgreSQL and Zoho (polled every kHealthIntervalMs through the connection
// check service). Holds no page logic.
class MainWindow final : public QMainWindow {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    static constexpr int kHealthIntervalMs = 15000;

    enum class Page { Overview, Keys, Sync, Retries, Students, Cache, Settings };

    explicit MainWindow(ConsoleContext context, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Points every page and the health checks at this profile (secrets resolved).
    void setProfile(const tiersync::ConnectionProfile &profile);
    // How a profile the Settings page activates reaches setProfile: at once by default; the
    // console sends it through its SSH tunnel first (the tunnel's router calls setProfile).
    void setProfileActivation(std::function<void(const tiersync::ConnectionProfile &)> activate);
    void showPage(Page page);
    // Asks for the status bar's health now (the timer asks every kHealthIntervalMs).
    void checkHealth();
    [[nodiscard]] static bool pageFromName(const QString &name, Page *page);

    [[nodiscard]] KeysPage *keysPage() const { return m_keys; }
    [[nodiscard]] SettingsPage *settingsPage() const { return m_settings; }
    [[nodiscard]] SyncPage *syncPage() const { return m_sync; }
    [[nodiscard]] OverviewPage *overviewPage() const { return m_overview; }
    [[nodiscard]] RetriesPage *retriesPage() const { return m_retries; }
    [[nodiscard]] StudentsPage *studentsPage() const { return m_students; }
    [[nodiscard]] CachePage *cachePage() const { return m_cache; }

Q_SIGNALS:
    void profileChanged(const tiersync::ConnectionProfile &profile);

private:
    void onHealth(const tiersync::ConnectionCheck &check);
    void addPage(const QString &title, QWidget *page);

    ConsoleContext m_context;
    std::function<void(const tiersync::ConnectionProfile &)> m_activate;
    QListWidget *m_nav;
    QStackedWidget *m_stack;
    KeysPage *m_keys;
    SyncPage *m_sync;
    SettingsPage *m_settings;
    OverviewPage *m_overview;
    RetriesPage *m_retries;
    StudentsPage *m_students;
    CachePage *m_cache;
    QLabel *m_profileLabel;
    HealthIndicator *m_redisHealth;
    HealthIndicator *m_pgHealth;
    HealthIndicator *m_zohoHealth;
    QTimer *m_healthTimer;
};

}  // namespace tiersync::ui
