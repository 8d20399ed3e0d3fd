#pragma once

#include "common/consolecontext.h"
#include "core/secretstore.h"
#include "recordingconfirmer.h"
#include "shell/mainwindow.h"

#include <QTemporaryDir>

#include <functional>
#include <memory>

class QSettings;

namespace tiersync::test {

// The main window as the console composes it, around the services one page test gives it
// (fakes: no servers), with stores of its own in memory and a temporary directory and a
// RecordingConfirmer. The other pages get no engine and stay idle.
class PageConsole final {
public:
    PageConsole();
    // Builds the window at once: services fills the context's services for the page.
    explicit PageConsole(const std::function<void(ui::ConsoleContext &)> &services);
    // Builds the window at once over these services (its stores are replaced by this
    // console's).
    explicit PageConsole(ui::ConsoleContext services);
    ~PageConsole();
    Q_DISABLE_COPY_MOVE(PageConsole)

    // Builds the window once; the context's stores and confirmer are this object's.
    ui::MainWindow &build(ui::ConsoleContext services);
    [[nodiscard]] ui::MainWindow &window() { return *m_window; }
    // The pages' poll timers and the health timer never fire: the test asks each page to
    // poll (refresh()) and answers through its fake.
    void parkPollTimers();
    // Shows the window (exposed), gives it a profile named "test" and turns to the page.
    void open(ui::MainWindow::Page page);
    // Shown (exposed), with this profile in use, on this page.
    void open(ui::MainWindow::Page page, const ConnectionProfile &profile);
    [[nodiscard]] RecordingConfirmer &confirmer() { return m_confirmer; }
    [[nodiscard]] ProfileStore &profiles() { return *m_profiles; }
    [[nodiscard]] InMemorySecretStore &secrets() { return m_secrets; }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<ProfileStore> m_profiles;
    InMemorySecretStore m_secrets;
    RecordingConfirmer m_confirmer;
    std::unique_ptr<ui::MainWindow> m_window;
};

}  // namespace tiersync::test
