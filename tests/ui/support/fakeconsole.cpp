#include "fakeconsole.h"

#include "core/profilestore.h"

#include <QLoggingCategory>
#include <QSettings>
#include <QTest>
#include <QTimer>

namespace tiersync::test {

namespace {

// A day: never during a test.
constexpr int kNeverMs = 24 * 3600 * 1000;

}  // namespace

FakeConsole::FakeConsole(ui::ConsoleContext services)
    : m_settings(std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("console.ini")), QSettings::IniFormat)),
      m_profiles(std::make_unique<ProfileStore>(*m_settings))
{
    // The pages without a service here still connect to their missing workers; that would warn.
    QLoggingCategory::setFilterRules(QStringLiteral("qt.core.qobject.connect=false"));
    services.profiles = m_profiles.get();
    services.secrets = &m_secrets;
    services.confirmer = &m_confirmer;
    m_window = std::make_unique<ui::MainWindow>(services);
    for (QTimer *timer : m_window->findChildren<QTimer *>()) {
        if (timer->objectName().endsWith(QLatin1String("PollTimer")) || timer->objectName() == QLatin1String("healthTimer"))
            timer->setInterval(kNeverMs);
    }
}

FakeConsole::~FakeConsole() = default;

void FakeConsole::open(ui::MainWindow::Page page, const ConnectionProfile &profile)
{
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->setProfile(profile);
    m_window->showPage(page);
}

}  // namespace tiersync::test
