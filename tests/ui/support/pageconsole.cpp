#include "pageconsole.h"

#include "core/profilestore.h"

#include <QLoggingCategory>
#include <QSettings>
#include <QTest>
#include <QTimer>

namespace tiersync::test {

PageConsole::PageConsole()
    : m_settings(std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("console.ini")), QSettings::IniFormat)),
      m_profiles(std::make_unique<ProfileStore>(*m_settings))
{
    // The other pages get no engine here; their connects to a missing service would warn.
    QLoggingCategory::setFilterRules(QStringLiteral("qt.core.qobject.connect=false"));
}

PageConsole::PageConsole(const std::function<void(ui::ConsoleContext &)> &services) : PageConsole()
{
    ui::ConsoleContext context;
    services(context);
    build(context);
}

PageConsole::PageConsole(ui::ConsoleContext services) : PageConsole()
{
    build(std::move(services));
}

PageConsole::~PageConsole() = default;

void PageConsole::parkPollTimers()
{
    constexpr int kNeverMs = 24 * 3600 * 1000;  // a day: never during a test
    for (QTimer *timer : m_window->findChildren<QTimer *>()) {
        if (timer->objectName().endsWith(QLatin1String("PollTimer")) || timer->objectName() == QLatin1String("healthTimer"))
            timer->setInterval(kNeverMs);
    }
}

ui::MainWindow &PageConsole::build(ui::ConsoleContext services)
{
    Q_ASSERT(!m_window);
    services.profiles = m_profiles.get();
    services.secrets = &m_secrets;
    services.confirmer = &m_confirmer;
    m_window = std::make_unique<ui::MainWindow>(services);
    return *m_window;
}

void PageConsole::open(ui::MainWindow::Page page)
{
    ConnectionProfile profile;
    profile.name = QStringLiteral("test");
    open(page, profile);
}

void PageConsole::open(ui::MainWindow::Page page, const ConnectionProfile &profile)
{
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->setProfile(profile);
    m_window->showPage(page);
}

}  // namespace tiersync::test
