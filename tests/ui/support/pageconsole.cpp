#include "pageconsole.h"

#include "core/profilestore.h"

#include <QLoggingCategory>
#include <QSettings>

namespace tiersync::test {

PageConsole::PageConsole(const std::function<void(ui::ConsoleContext &)> &services)
    : m_settings(std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("console.ini")), QSettings::IniFormat)),
      m_profiles(std::make_unique<ProfileStore>(*m_settings))
{
    // The other pages get no engine here; their connects to a missing worker would warn.
    QLoggingCategory::setFilterRules(QStringLiteral("qt.core.qobject.connect=false"));
    ui::ConsoleContext context;
    context.profiles = m_profiles.get();
    context.secrets = &m_secrets;
    context.confirmer = &m_confirmer;
    services(context);
    m_window = std::make_unique<ui::MainWindow>(context);
}

PageConsole::~PageConsole() = default;

void PageConsole::open(ui::MainWindow::Page page)
{
    m_window->show();
    ConnectionProfile profile;
    profile.name = QStringLiteral("test");
    m_window->setProfile(profile);
    m_window->showPage(page);
}

}  // namespace tiersync::test
