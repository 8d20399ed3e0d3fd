#pragma once

#include "core/connectionprofile.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace tiersync {
class ConnectionCheckService;
class ProfileStore;
class SecretStore;
class ZohoLimitsService;
struct ConnectionCheck;
}  // namespace tiersync

namespace tiersync::ui {

class ZohoLimitsBox;

// Connection profiles: Redis, PostgreSQL and Zoho settings. The non-secret fields go
// to QSettings through ProfileStore; passwords, the client secret and the refresh token
// go to the SecretStore (the OS keychain in the console) and never to QSettings. Secret
// fields use password echo, so they never show on screen or in a screenshot. "Test"
// asks the connection check service, which answers in words. A second tab holds the Zoho
// limits of the organisation of the profile in use (ZohoLimitsBox, on the limits
// service; null: idle), loaded when the tab is shown.
class SettingsPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsPage)

public:
    enum class Tab { Profiles, ZohoLimits };

    SettingsPage(ProfileStore *profiles, SecretStore *secrets, ConnectionCheckService *checks,
                 ZohoLimitsService *limits = nullptr, QWidget *parent = nullptr);

    // The profile as the form shows it, secrets included.
    [[nodiscard]] ConnectionProfile formProfile() const;
    void showProfile(const ConnectionProfile &profile);
    void setActiveProfileName(const QString &name);
    // The profile in use: its name is marked in the list, its organisation's limits shown.
    void setActiveProfile(const ConnectionProfile &profile);
    [[nodiscard]] ZohoLimitsBox *zohoLimitsBox() const { return m_limits; }
    void showTab(Tab tab);

Q_SIGNALS:
    // Saved (QSettings and secrets); emitted once the secret store confirmed.
    void profileSaved(const QString &name);
    // "Use this profile": the window switches every page to it.
    void activateRequested(const tiersync::ConnectionProfile &profile);

private:
    void reloadList(const QString &select);
    void loadSelected();
    void save();
    void onTestFinished(const tiersync::ConnectionCheck &check);
    void onDataCentreChanged(int index);
    // Why the Sentinel fields cannot be saved (empty: they can).
    [[nodiscard]] QString sentinelError() const;
    [[nodiscard]] QLineEdit *secretEdit(const QString &name);
    [[nodiscard]] QLineEdit *lineEdit(const QString &name);

    ProfileStore *m_profiles;
    SecretStore *m_secrets;
    QListWidget *m_list;
    QPushButton *m_new;
    QPushButton *m_remove;
    QLineEdit *m_name;
    QLineEdit *m_redisHost;
    QSpinBox *m_redisPort;
    QSpinBox *m_redisDb;
    // The SSH tunnel of the profile shown: kept as it was (the form has no SSH fields yet).
    SshSettings m_ssh;
    QLineEdit *m_redisUser;
    QLineEdit *m_redisPassword;
    QLineEdit *m_redisSentinels;  // "host:port,host:port": the primary is asked of them
    QLineEdit *m_redisMaster;
    QLineEdit *m_pgHost;
    QSpinBox *m_pgPort;
    QLineEdit *m_pgDatabase;
    QLineEdit *m_pgUser;
    QComboBox *m_pgSslMode;
    QLineEdit *m_pgPassword;
    QComboBox *m_dataCentre;
    QLineEdit *m_apiBase;
    QLineEdit *m_accountsUrl;
    QLineEdit *m_orgId;
    QLineEdit *m_clientId;
    QLineEdit *m_clientSecret;
    QLineEdit *m_refreshToken;
    QLabel *m_redisResult;
    QLabel *m_pgResult;
    QLabel *m_zohoResult;
    QPushButton *m_save;
    QPushButton *m_activate;
    QLabel *m_status;
    QTabWidget *m_tabs;
    ZohoLimitsBox *m_limits;
    QMap<QString, QString> m_otherPgOptions;  // DSN options the form has no field for
    QString m_activeName;
};

}  // namespace tiersync::ui
