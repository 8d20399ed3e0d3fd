#pragma once

#include "common/consolecontext.h"
#include "core/secretstore.h"
#include "recordingconfirmer.h"
#include "shell/mainwindow.h"

#include <QTemporaryDir>

#include <memory>

class QSettings;

namespace tiersync {
class ProfileStore;
}

namespace tiersync::test {

// The main window as the console composes it, over the services a test gives it
// (fakes; the other pages get none and stay idle), with stores a test may look into:
// profiles in a QSettings file of a temporary directory, secrets in memory, a
// RecordingConfirmer. No servers, no threads. The pages' poll timers never fire: the
// test asks each page to poll (refresh()) and answers through the fake.
class FakeConsole final {
public:
    // services: the context's services; its stores are replaced by this console's.
    explicit FakeConsole(ui::ConsoleContext services);
    ~FakeConsole();
    Q_DISABLE_COPY_MOVE(FakeConsole)

    [[nodiscard]] ui::MainWindow &window() { return *m_window; }
    [[nodiscard]] RecordingConfirmer &confirmer() { return m_confirmer; }
    [[nodiscard]] ProfileStore &profiles() { return *m_profiles; }
    [[nodiscard]] InMemorySecretStore &secrets() { return m_secrets; }

    // Shown (exposed), with this profile in use, on this page.
    void open(ui::MainWindow::Page page, const ConnectionProfile &profile);

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<ProfileStore> m_profiles;
    InMemorySecretStore m_secrets;
    RecordingConfirmer m_confirmer;
    std::unique_ptr<ui::MainWindow> m_window;
};

}  // namespace tiersync::test
