#include "settings/settingspage.h"

#include "console/connectioncheckservice.h"
#include "core/profilestore.h"
#include "core/secretstore.h"
#include "core/zohosettings.h"
#include "settings/zoholimitsbox.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

namespace tiersync::ui {

namespace {

const QStringList kPgFormKeys = {QStringLiteral("host"), QStringLiteral("port"), QStringLiteral("dbname"),
                                 QStringLiteral("user"), QStringLiteral("sslmode")};

QSpinBox *spinBox(const QString &name, int min, int max, QWidget *parent)
{
    auto *box = new QSpinBox(parent);
    box->setObjectName(name);
    box->setRange(min, max);
    return box;
}

QLabel *resultLabel(const QString &name, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

}  // namespace

QLineEdit *SettingsPage::lineEdit(const QString &name)
{
    auto *edit = new QLineEdit(this);
    edit->setObjectName(name);
    return edit;
}

QLineEdit *SettingsPage::secretEdit(const QString &name)
{
    QLineEdit *edit = lineEdit(name);
    edit->setEchoMode(QLineEdit::Password);
    edit->setPlaceholderText(tr("stored in the system keychain"));
    return edit;
}

SettingsPage::SettingsPage(ProfileStore *profiles, SecretStore *secrets, ConnectionCheckService *checks,
                           ZohoLimitsService *limits, QWidget *parent)
    : QWidget(parent),
      m_profiles(profiles),
      m_secrets(secrets),
      m_list(new QListWidget(this)),
      m_new(new QPushButton(tr("New"), this)),
      m_remove(new QPushButton(tr("Remove"), this)),
      m_name(lineEdit(QStringLiteral("profileName"))),
      m_redisHost(lineEdit(QStringLiteral("redisHost"))),
      m_redisPort(spinBox(QStringLiteral("redisPort"), 1, 65535, this)),
      m_redisDb(spinBox(QStringLiteral("redisDb"), 0, 1023, this)),
      m_redisUser(lineEdit(QStringLiteral("redisUser"))),
      m_redisPassword(secretEdit(QStringLiteral("redisPassword"))),
      m_redisSentinels(lineEdit(QStringLiteral("redisSentinels"))),
      m_redisMaster(lineEdit(QStringLiteral("redisMasterName"))),
      m_pgHost(lineEdit(QStringLiteral("pgHost"))),
      m_pgPort(spinBox(QStringLiteral("pgPort"), 1, 65535, this)),
      m_pgDatabase(lineEdit(QStringLiteral("pgDatabase"))),
      m_pgUser(lineEdit(QStringLiteral("pgUser"))),
      m_pgSslMode(new QComboBox(this)),
      m_pgPassword(secretEdit(QStringLiteral("pgPassword"))),
      m_dataCentre(new QComboBox(this)),
      m_apiBase(lineEdit(QStringLiteral("zohoApiBase"))),
      m_accountsUrl(lineEdit(QStringLiteral("zohoAccountsUrl"))),
      m_orgId(lineEdit(QStringLiteral("zohoOrgId"))),
      m_clientId(lineEdit(QStringLiteral("zohoClientId"))),
      m_clientSecret(secretEdit(QStringLiteral("zohoClientSecret"))),
      m_refreshToken(secretEdit(QStringLiteral("zohoRefreshToken"))),
      m_redisResult(resultLabel(QStringLiteral("redisTestResult"), this)),
      m_pgResult(resultLabel(QStringLiteral("pgTestResult"), this)),
      m_zohoResult(resultLabel(QStringLiteral("zohoTestResult"), this)),
      m_save(new QPushButton(tr("Save profile"), this)),
      m_activate(new QPushButton(tr("Use this profile"), this)),
      m_status(resultLabel(QStringLiteral("settingsStatus"), this)),
      m_tabs(new QTabWidget(this)),
      m_limits(new ZohoLimitsBox(limits, this))
{
    m_tabs->setObjectName(QStringLiteral("settingsTabs"));
    m_list->setObjectName(QStringLiteral("profileList"));
    m_new->setObjectName(QStringLiteral("newProfileButton"));
    m_remove->setObjectName(QStringLiteral("removeProfileButton"));
    m_pgSslMode->setObjectName(QStringLiteral("pgSslMode"));
    m_dataCentre->setObjectName(QStringLiteral("zohoDataCentre"));
    m_save->setObjectName(QStringLiteral("saveProfileButton"));
    m_activate->setObjectName(QStringLiteral("activateProfileButton"));
    m_pgSslMode->addItems({QString(), QStringLiteral("disable"), QStringLiteral("prefer"), QStringLiteral("require"),
                           QStringLiteral("verify-ca"), QStringLiteral("verify-full")});
    for (const ZohoDataCentre &dc : zohoDataCentres())
        m_dataCentre->addItem(QStringLiteral("%1 (%2)").arg(dc.id, dc.accountsUrl), dc.id);
    m_dataCentre->addItem(tr("Custom (e.g. the sandbox's simulator)"), QString());
    m_name->setPlaceholderText(tr("e.g. production"));

    auto *testRedis = new QPushButton(tr("Test connection"), this);
    testRedis->setObjectName(QStringLiteral("testRedisButton"));
    auto *testPg = new QPushButton(tr("Test connection"), this);
    testPg->setObjectName(QStringLiteral("testPgButton"));
    auto *testZoho = new QPushButton(tr("Test connection"), this);
    testZoho->setObjectName(QStringLiteral("testZohoButton"));

    auto *redisBox = new QGroupBox(tr("Redis"), this);
    redisBox->setObjectName(QStringLiteral("redisBox"));
    auto *redisForm = new QFormLayout(redisBox);
    redisForm->addRow(tr("Host:"), m_redisHost);
    redisForm->addRow(tr("Port:"), m_redisPort);
    redisForm->addRow(tr("Database:"), m_redisDb);
    m_redisUser->setPlaceholderText(tr("default user"));
    m_redisUser->setToolTip(tr("A Redis 6+ ACL user (AUTH user password); empty: the default user."));
    redisForm->addRow(tr("User:"), m_redisUser);
    redisForm->addRow(tr("Password:"), m_redisPassword);
    m_redisSentinels->setPlaceholderText(tr("none: the host above"));
    m_redisSentinels->setToolTip(tr("Redis Sentinel: sentinels as host:port,host:port (port 26379 when left out). "
                                    "The engine asks them for the primary of the master name below and follows a "
                                    "failover; the host and port above are then not used."));
    m_redisMaster->setPlaceholderText(tr("e.g. mymaster"));
    redisForm->addRow(tr("Sentinels:"), m_redisSentinels);
    redisForm->addRow(tr("Master name:"), m_redisMaster);
    redisForm->addRow(testRedis, m_redisResult);

    auto *pgBox = new QGroupBox(tr("PostgreSQL"), this);
    pgBox->setObjectName(QStringLiteral("pgBox"));
    auto *pgForm = new QFormLayout(pgBox);
    pgForm->addRow(tr("Host:"), m_pgHost);
    pgForm->addRow(tr("Port:"), m_pgPort);
    pgForm->addRow(tr("Database:"), m_pgDatabase);
    pgForm->addRow(tr("User:"), m_pgUser);
    pgForm->addRow(tr("SSL mode:"), m_pgSslMode);
    pgForm->addRow(tr("Password:"), m_pgPassword);
    pgForm->addRow(testPg, m_pgResult);

    auto *zohoBox = new QGroupBox(tr("Zoho"), this);
    zohoBox->setObjectName(QStringLiteral("zohoBox"));
    auto *zohoForm = new QFormLayout(zohoBox);
    zohoForm->addRow(tr("Data centre:"), m_dataCentre);
    zohoForm->addRow(tr("API base:"), m_apiBase);
    zohoForm->addRow(tr("Accounts URL:"), m_accountsUrl);
    zohoForm->addRow(tr("Organisation id:"), m_orgId);
    zohoForm->addRow(tr("Client id:"), m_clientId);
    zohoForm->addRow(tr("Client secret:"), m_clientSecret);
    zohoForm->addRow(tr("Refresh token:"), m_refreshToken);
    zohoForm->addRow(testZoho, m_zohoResult);

    auto *form = new QWidget(this);
    form->setObjectName(QStringLiteral("profileForm"));
    auto *formLayout = new QVBoxLayout(form);
    auto *nameRow = new QFormLayout;
    nameRow->addRow(tr("Profile name:"), m_name);
    formLayout->addLayout(nameRow);
    formLayout->addWidget(redisBox);
    formLayout->addWidget(pgBox);
    formLayout->addWidget(zohoBox);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_save);
    buttons->addWidget(m_activate);
    buttons->addStretch();
    formLayout->addLayout(buttons);
    formLayout->addWidget(m_status);
    formLayout->addStretch();
    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("profileScroll"));
    scroll->setWidgetResizable(true);
    scroll->setWidget(form);

    auto *listPane = new QVBoxLayout;
    auto *listLabel = new QLabel(tr("Connection profiles"), this);
    listLabel->setObjectName(QStringLiteral("profileListLabel"));
    listPane->addWidget(listLabel);
    listPane->addWidget(m_list, 1);
    auto *listButtons = new QHBoxLayout;
    listButtons->addWidget(m_new);
    listButtons->addWidget(m_remove);
    listPane->addLayout(listButtons);
    m_list->setMaximumWidth(220);

    auto *profilesTab = new QWidget(this);
    profilesTab->setObjectName(QStringLiteral("profilesTab"));
    auto *profilesLayout = new QHBoxLayout(profilesTab);
    profilesLayout->addLayout(listPane);
    profilesLayout->addWidget(scroll, 1);

    // The limits are the organisation's, in the database of the profile in use, not a
    // field of the profile being edited: a tab of their own.
    auto *limitsTab = new QWidget(this);
    limitsTab->setObjectName(QStringLiteral("zohoLimitsTab"));
    auto *limitsLayout = new QVBoxLayout(limitsTab);
    limitsLayout->addWidget(m_limits);
    limitsLayout->addStretch();

    m_tabs->addTab(profilesTab, tr("Connection profiles"));
    m_tabs->addTab(limitsTab, tr("Zoho limits"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);

    // No service (tests of other pages): nothing to test with.
    for (QPushButton *test : {testRedis, testPg, testZoho})
        test->setEnabled(checks != nullptr);
    connect(checks, &ConnectionCheckService::testFinished, this, &SettingsPage::onTestFinished);
    connect(testRedis, &QPushButton::clicked, this, [this, checks] {
        m_redisResult->setText(tr("Testing…"));
        checks->test(ConnectionCheck::Service::Redis, formProfile());
    });
    connect(testPg, &QPushButton::clicked, this, [this, checks] {
        m_pgResult->setText(tr("Testing…"));
        checks->test(ConnectionCheck::Service::Postgres, formProfile());
    });
    connect(testZoho, &QPushButton::clicked, this, [this, checks] {
        m_zohoResult->setText(tr("Testing… (refreshes a token and makes one Zoho Books call)"));
        checks->test(ConnectionCheck::Service::Zoho, formProfile());
    });
    connect(m_dataCentre, &QComboBox::activated, this, &SettingsPage::onDataCentreChanged);
    connect(m_save, &QPushButton::clicked, this, &SettingsPage::save);
    connect(m_activate, &QPushButton::clicked, this, [this] { Q_EMIT activateRequested(formProfile()); });
    connect(m_list, &QListWidget::currentTextChanged, this, [this] { loadSelected(); });
    connect(m_new, &QPushButton::clicked, this, [this] {
        m_list->clearSelection();
        ConnectionProfile fresh;
        showProfile(fresh);
        m_name->setFocus();
        m_status->setText(tr("New profile: fill in the fields and press Save profile."));
    });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        const QString name = m_list->currentItem() ? m_list->currentItem()->text() : QString();
        if (name.isEmpty())
            return;
        ConnectionProfile empty;
        empty.name = name;
        m_profiles->remove(name);
        // Empty secrets are removed from the store.
        ProfileStore::saveSecrets(empty, *m_secrets, [](Status) {});
        reloadList({});
        m_status->setText(tr("Removed profile '%1'.").arg(name));
    });
    showProfile(ConnectionProfile{});
    reloadList({});
}

void SettingsPage::reloadList(const QString &select)
{
    const QSignalBlocker blocker(m_list);
    m_list->clear();
    for (const QString &name : m_profiles->profileNames()) {
        auto *item = new QListWidgetItem(name, m_list);
        if (name == m_activeName) {
            QFont font = item->font();
            font.setBold(true);
            item->setFont(font);
            item->setToolTip(tr("The profile in use"));
        }
        if (name == select)
            m_list->setCurrentItem(item);
    }
}

void SettingsPage::setActiveProfileName(const QString &name)
{
    m_activeName = name;
    reloadList(m_list->currentItem() ? m_list->currentItem()->text() : name);
}

void SettingsPage::setActiveProfile(const ConnectionProfile &profile)
{
    setActiveProfileName(profile.name);
    m_limits->setProfile(profile);
}

void SettingsPage::showTab(Tab tab)
{
    m_tabs->setCurrentIndex(int(tab));
}

void SettingsPage::loadSelected()
{
    if (!m_list->currentItem())
        return;
    auto loaded = m_profiles->load(m_list->currentItem()->text());
    if (!loaded) {
        m_status->setText(loaded.error().message);
        return;
    }
    showProfile(*loaded);
    m_status->setText(tr("Reading the secrets from the keychain…"));
    ProfileStore::resolveSecrets(*loaded, *m_secrets, [this, name = loaded->name](Result<ConnectionProfile> full) {
        if (m_name->text() != name)
            return;  // the admin moved on to another profile meanwhile
        if (!full) {
            m_status->setText(tr("Could not read the secrets from the keychain: %1").arg(full.error().message));
            return;
        }
        showProfile(*full);
        m_status->clear();
    });
}

void SettingsPage::showProfile(const ConnectionProfile &profile)
{
    m_name->setText(profile.name);
    m_redisHost->setText(profile.redis.host);
    m_redisPort->setValue(profile.redis.port);
    m_redisDb->setValue(profile.redis.db);
    m_ssh = profile.ssh;
    m_redisUser->setText(profile.redis.username);
    m_redisPassword->setText(profile.redis.password.reveal());
    m_redisSentinels->setText(profile.redis.sentinelsText());
    m_redisMaster->setText(profile.redis.masterName);
    m_otherPgOptions = profile.pg.options;
    m_pgHost->setText(m_otherPgOptions.take(QStringLiteral("host")));
    m_pgPort->setValue(m_otherPgOptions.take(QStringLiteral("port")).toInt() > 0
                           ? profile.pg.options.value(QStringLiteral("port")).toInt()
                           : 5432);
    m_pgDatabase->setText(m_otherPgOptions.take(QStringLiteral("dbname")));
    m_pgUser->setText(m_otherPgOptions.take(QStringLiteral("user")));
    m_pgSslMode->setCurrentText(m_otherPgOptions.take(QStringLiteral("sslmode")));
    m_pgPassword->setText(profile.pg.password.reveal());
    int dcIndex = m_dataCentre->count() - 1;
    for (int i = 0; i < m_dataCentre->count() - 1; ++i) {
        auto dc = zohoDataCentre(m_dataCentre->itemData(i).toString());
        if (dc && dc->apiBase == profile.zoho.apiBase && dc->accountsUrl == profile.zoho.accountsUrl)
            dcIndex = i;
    }
    m_dataCentre->setCurrentIndex(dcIndex);
    m_apiBase->setText(profile.zoho.apiBase);
    m_accountsUrl->setText(profile.zoho.accountsUrl);
    m_orgId->setText(profile.zoho.orgId);
    m_clientId->setText(profile.zoho.clientId);
    m_clientSecret->setText(profile.zoho.clientSecret.reveal());
    m_refreshToken->setText(profile.zoho.refreshToken.reveal());
    m_redisResult->clear();
    m_pgResult->clear();
    m_zohoResult->clear();
}

void SettingsPage::onDataCentreChanged(int index)
{
    auto dc = zohoDataCentre(m_dataCentre->itemData(index).toString());
    if (!dc)
        return;  // custom: the admin types the URLs
    m_apiBase->setText(dc->apiBase);
    m_accountsUrl->setText(dc->accountsUrl);
}

QString SettingsPage::sentinelError() const
{
    const QString sentinels = m_redisSentinels->text().trimmed();
    if (sentinels.isEmpty())
        return {};
    auto parsed = RedisSettings::parseSentinels(sentinels);
    if (!parsed)
        return tr("The sentinels are not host:port,host:port: %1").arg(parsed.error().message);
    if (m_redisMaster->text().trimmed().isEmpty())
        return tr("Name the master the sentinels monitor (Sentinel's \"master name\").");
    return {};
}

ConnectionProfile SettingsPage::formProfile() const
{
    ConnectionProfile profile;
    profile.name = m_name->text().trimmed();
    profile.redis.host = m_redisHost->text().trimmed();
    profile.redis.port = m_redisPort->value();
    profile.redis.db = m_redisDb->value();
    profile.ssh = m_ssh;
    profile.redis.username = m_redisUser->text().trimmed();
    profile.redis.password = Secret(m_redisPassword->text());
    // Checked by save() (sentinelError); a form that does not parse names no sentinel.
    if (auto sentinels = RedisSettings::parseSentinels(m_redisSentinels->text());
        sentinels && !m_redisSentinels->text().trimmed().isEmpty()) {
        profile.redis.sentinels = *sentinels;
        profile.redis.masterName = m_redisMaster->text().trimmed();
    }
    profile.pg.options = m_otherPgOptions;
    const QStringList values = {m_pgHost->text().trimmed(), QString::number(m_pgPort->value()),
                                m_pgDatabase->text().trimmed(), m_pgUser->text().trimmed(), m_pgSslMode->currentText()};
    for (qsizetype i = 0; i < kPgFormKeys.size(); ++i) {
        if (!values.at(i).isEmpty())
            profile.pg.options.insert(kPgFormKeys.at(i), values.at(i));
    }
    profile.pg.password = Secret(m_pgPassword->text());
    profile.zoho.apiBase = m_apiBase->text().trimmed();
    profile.zoho.accountsUrl = m_accountsUrl->text().trimmed();
    profile.zoho.orgId = m_orgId->text().trimmed();
    profile.zoho.clientId = m_clientId->text().trimmed();
    profile.zoho.clientSecret = Secret(m_clientSecret->text());
    profile.zoho.refreshToken = Secret(m_refreshToken->text());
    return profile;
}

void SettingsPage::save()
{
    const ConnectionProfile profile = formProfile();
    if (profile.name.isEmpty() || profile.name.contains(QLatin1Char('/')) || profile.name.contains(QLatin1Char('\\'))) {
        m_status->setText(tr("Give the profile a name (letters, digits, dashes; no slashes)."));
        return;
    }
    if (const QString problem = sentinelError(); !problem.isEmpty()) {
        m_status->setText(problem);
        return;
    }
    m_profiles->save(profile);
    m_save->setEnabled(false);
    m_status->setText(tr("Saving the secrets to the keychain…"));
    ProfileStore::saveSecrets(profile, *m_secrets, [this, name = profile.name](Status status) {
        m_save->setEnabled(true);
        reloadList(name);
        if (!status) {
            m_status->setText(tr("The settings were saved, but the keychain refused the secrets: %1. "
                                 "Unlock the keychain and save again.")
                                  .arg(status.error().message));
            return;
        }
        m_status->setText(tr("Saved profile '%1'. Passwords and tokens are in the system keychain, "
                             "not in the settings file.")
                              .arg(name));
        Q_EMIT profileSaved(name);
    });
}

void SettingsPage::onTestFinished(const ConnectionCheck &check)
{
    QLabel *label = check.service == ConnectionCheck::Service::Redis      ? m_redisResult
                    : check.service == ConnectionCheck::Service::Postgres ? m_pgResult
                                                                          : m_zohoResult;
    label->setText((check.ok ? QStringLiteral("✔ ") : QStringLiteral("✘ ")) + check.message);
    label->setStyleSheet(check.ok ? QStringLiteral("color: #1b7f3b;") : QStringLiteral("color: #b3261e;"));
}

}  // namespace tiersync::ui
