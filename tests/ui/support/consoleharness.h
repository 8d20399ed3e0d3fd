#pragma once

#include "console/consoleclocks.h"
#include "core/secretstore.h"
#include "recordingconfirmer.h"

#include <QTemporaryDir>

#include <memory>

class QSettings;

namespace tiersync {
class ProfileStore;
}

namespace tiersync::ui {
class ConsoleWorkers;
class MainWindow;
}  // namespace tiersync::ui

namespace tiersync::test {

// The whole console as the app builds it (ConsoleWorkers + MainWindow), with stores a
// test may look into: profiles in a QSettings file of a temporary directory, secrets in
// memory, a RecordingConfirmer. The window is not shown: the test shows it. The workers
// read the given clocks (none: the system's).
class ConsoleHarness final {
public:
    explicit ConsoleHarness(ConsoleClocks clocks = {});
    // Closes the window, then stops and joins every worker thread.
    ~ConsoleHarness();
    Q_DISABLE_COPY_MOVE(ConsoleHarness)

    [[nodiscard]] ui::MainWindow &window() { return *m_window; }
    [[nodiscard]] RecordingConfirmer &confirmer() { return m_confirmer; }
    [[nodiscard]] ProfileStore &profiles() { return *m_profiles; }
    [[nodiscard]] InMemorySecretStore &secrets() { return m_secrets; }

    // The pages' own polls (Overview, Retries, the sync history and schedules, the Cache page's lists)
    // every intervalMs instead of every 1-5 s, so a test that waits for a page to notice a
    // change by itself waits one short poll. The pages still poll on their own timers.
    void setPagePollIntervalMs(int intervalMs);

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<ProfileStore> m_profiles;
    InMemorySecretStore m_secrets;
    RecordingConfirmer m_confirmer;
    std::unique_ptr<ui::ConsoleWorkers> m_workers;
    std::unique_ptr<ui::MainWindow> m_window;
};

}  // namespace tiersync::test
