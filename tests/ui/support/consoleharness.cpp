#include "consoleharness.h"

#include "core/profilestore.h"
#include "shell/consoleworkers.h"
#include "shell/mainwindow.h"

#include <QSettings>
#include <QTimer>

#include <initializer_list>

namespace tiersync::test {

ConsoleHarness::ConsoleHarness(ConsoleClocks clocks)
    : m_settings(std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("console.ini")), QSettings::IniFormat)),
      m_profiles(std::make_unique<ProfileStore>(*m_settings)),
      m_workers(std::make_unique<ui::ConsoleWorkers>(m_profiles.get(), &m_secrets, &m_confirmer, std::move(clocks))),
      m_window(std::make_unique<ui::MainWindow>(m_workers->context()))
{
}

ConsoleHarness::~ConsoleHarness()
{
    m_window.reset();
    m_workers.reset();
}

void ConsoleHarness::setPagePollIntervalMs(int intervalMs)
{
    for (const char *name : {"overviewPollTimer", "retriesPollTimer", "historyTimer", "cacheRefreshTimer", "replicaPollTimer"}) {
        auto *timer = m_window->findChild<QTimer *>(QLatin1String(name));
        if (!timer)
            qFatal("ConsoleHarness: the window has no timer named %s", name);
        timer->setInterval(intervalMs);
    }
}

}  // namespace tiersync::test
