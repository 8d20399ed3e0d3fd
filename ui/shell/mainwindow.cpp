#include "shell/mainwindow.h"

#include "cache/cachepage.h"
#include "console/connectioncheckservice.h"
#include "core/profilestore.h"
#include "keys/keyspage.h"
#include "overview/overviewpage.h"
#include "retries/retriespage.h"
#include "settings/settingspage.h"
#include "shell/healthindicator.h"
#include "students/studentspage.h"
#include "sync/syncpage.h"
#include "uiversion.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>

namespace tiersync::ui {

namespace {

struct PageName {
    MainWindow::Page page;
    const char *name;
};

constexpr PageName kPageNames[] = {
    {MainWindow::Page::Overview, "overview"}, {MainWindow::Page::Keys, "keys"},
    {MainWindow::Page::Sync, "sync"},         {MainWindow::Page::Retries, "retries"},
    {MainWindow::Page::Students, "students"}, {MainWindow::Page::Cache, "cache"},
    {MainWindow::Page::Settings, "settings"},
};

}  // namespace

MainWindow::MainWindow(ConsoleContext context, QWidget *parent)
    : QMainWindow(parent),
      m_context(context),
      m_nav(new QListWidget(this)),
      m_stack(new QStackedWidget(this)),
      m_keys(new KeysPage(context.keyBrowser, context.confirmer, this)),
      m_sync(new SyncPage(context.syncRuns, context.replica, this)),
      m_settings(new SettingsPage(context.profiles, context.secrets, context.connectionChecks, context.zohoLimits,
                                  this)),
      m_overview(new OverviewPage(context.statistics, this)),
      m_retries(new RetriesPage(context.statistics, this)),
      m_students(new StudentsPage(context.students, context.confirmer, this)),
      m_cache(new CachePage(context.cacheAdmin, context.confirmer, this)),
      m_profileLabel(new QLabel(this)),
      m_redisHealth(new HealthIndicator(QStringLiteral("Redis"), this)),
      m_pgHealth(new HealthIndicator(QStringLiteral("PostgreSQL"), this)),
      m_zohoHealth(new HealthIndicator(QStringLiteral("Zoho"), this)),
      m_healthTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(consoleTitle());
    m_nav->setObjectName(QStringLiteral("pageList"));
    m_stack->setObjectName(QStringLiteral("pages"));
    m_keys->setObjectName(QStringLiteral("keysPage"));
    m_sync->setObjectName(QStringLiteral("syncPage"));
    m_settings->setObjectName(QStringLiteral("settingsPage"));
    m_overview->setObjectName(QStringLiteral("overviewPage"));
    m_retries->setObjectName(QStringLiteral("retriesPage"));
    m_students->setObjectName(QStringLiteral("studentsPage"));
    m_cache->setObjectName(QStringLiteral("cachePage"));
    m_profileLabel->setObjectName(QStringLiteral("profileLabel"));
    m_redisHealth->setObjectName(QStringLiteral("redisHealth"));
    m_pgHealth->setObjectName(QStringLiteral("pgHealth"));
    m_zohoHealth->setObjectName(QStringLiteral("zohoHealth"));
    m_healthTimer->setObjectName(QStringLiteral("healthTimer"));
    statusBar()->setObjectName(QStringLiteral("statusBar"));

    addPage(tr("Overview"), m_overview);
    addPage(tr("Keys"), m_keys);
    addPage(tr("Sync"), m_sync);
    addPage(tr("Retries"), m_retries);
    addPage(tr("Students"), m_students);
    addPage(tr("Cache"), m_cache);
    addPage(tr("Settings"), m_settings);
    m_nav->setFixedWidth(160);
    m_nav->setSpacing(2);
    connect(m_nav, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);

    auto *central = new QWidget(this);
    central->setObjectName(QStringLiteral("central"));
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->addWidget(m_nav);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);

    m_profileLabel->setText(tr("Profile: resolving…"));
    statusBar()->addWidget(m_profileLabel, 1);
    statusBar()->addPermanentWidget(m_redisHealth);
    statusBar()->addPermanentWidget(m_pgHealth);
    statusBar()->addPermanentWidget(m_zohoHealth);

    connect(context.connectionChecks, &ConnectionCheckService::healthChecked, this, &MainWindow::onHealth);
    m_healthTimer->setInterval(kHealthIntervalMs);
    connect(m_healthTimer, &QTimer::timeout, this, &MainWindow::checkHealth);

    connect(m_settings, &SettingsPage::activateRequested, this, [this](const ConnectionProfile &profile) {
        if (m_activate)
            m_activate(profile);
        else
            setProfile(profile);
    });
    showPage(Page::Keys);
    resize(1280, 800);
}

MainWindow::~MainWindow() = default;

void MainWindow::addPage(const QString &title, QWidget *page)
{
    m_stack->addWidget(page);
    m_nav->addItem(title);
}

bool MainWindow::pageFromName(const QString &name, Page *page)
{
    for (const PageName &entry : kPageNames) {
        if (name == QLatin1String(entry.name)) {
            *page = entry.page;
            return true;
        }
    }
    return false;
}

void MainWindow::showPage(Page page)
{
    m_nav->setCurrentRow(int(page));
}

void MainWindow::setProfileActivation(std::function<void(const ConnectionProfile &)> activate)
{
    m_activate = std::move(activate);
}

void MainWindow::setProfile(const ConnectionProfile &profile)
{
    m_profileLabel->setText(tr("Profile: %1 — Redis %2 · PostgreSQL %3 · Zoho %4")
                                .arg(profile.name, profile.redis.toUrl(), profile.pg.describe(), profile.zoho.apiBase));
    m_settings->setActiveProfile(profile);
    m_redisHealth->setUnknown(tr("checking…"));
    m_pgHealth->setUnknown(tr("checking…"));
    m_zohoHealth->setUnknown(tr("checking…"));
    if (m_context.connectionChecks)
        m_context.connectionChecks->setProfile(profile);
    Q_EMIT profileChanged(profile);
    m_keys->setRedisSettings(profile.redis);
    m_sync->setProfile(profile);
    m_overview->setProfile(profile);
    m_retries->setProfile(profile);
    m_students->setProfile(profile);
    m_cache->setProfile(profile);
    checkHealth();
    m_healthTimer->start();
}

void MainWindow::checkHealth()
{
    if (m_context.connectionChecks)
        m_context.connectionChecks->checkHealth();
}

void MainWindow::onHealth(const ConnectionCheck &check)
{
    switch (check.service) {
    case ConnectionCheck::Service::Redis:
        m_redisHealth->setCheck(check);
        break;
    case ConnectionCheck::Service::Postgres:
        m_pgHealth->setCheck(check);
        break;
    case ConnectionCheck::Service::Zoho:
        m_zohoHealth->setCheck(check);
        break;
    }
}

}  // namespace tiersync::ui
