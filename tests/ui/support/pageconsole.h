#pragma once

#include "core/secretstore.h"
#include "recordingconfirmer.h"
#include "shell/mainwindow.h"

#include <QTemporaryDir>

#include <functional>
#include <memory>

class QSettings;

namespace tiersync {
class ProfileStore;
}

namespace tiersync::test {

// The main window as the console composes it, given only the services a page test hands
// it (fakes of the domain services): no engine, no servers. The other pages get none and
// stay idle. Stores as ConsoleHarness has them: profiles in a temporary QSettings file,
// secrets in memory, a RecordingConfirmer.
class PageConsole final {
public:
    // services: fills the context's services for the page under test.
    explicit PageConsole(const std::function<void(ui::ConsoleContext &)> &services);
    ~PageConsole();
    Q_DISABLE_COPY_MOVE(PageConsole)

    [[nodiscard]] ui::MainWindow &window() { return *m_window; }
    [[nodiscard]] RecordingConfirmer &confirmer() { return m_confirmer; }
    // Shows the window with a profile named "test" and this page in front.
    void open(ui::MainWindow::Page page);

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<ProfileStore> m_profiles;
    InMemorySecretStore m_secrets;
    RecordingConfirmer m_confirmer;
    std::unique_ptr<ui::MainWindow> m_window;
};

}  // namespace tiersync::test
