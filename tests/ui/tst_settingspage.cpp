#include "fakeconnectioncheckservice.h"
#include "core/profilestore.h"
#include "core/secretstore.h"
#include "settings/settingspage.h"

#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace tiersync;

class TestSettingsPage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void savesSecretsOnlyInTheSecretStore()
    {
        QTemporaryDir dir;
        const QString ini = dir.filePath(QStringLiteral("console.ini"));
        InMemorySecretStore secrets;
        test::FakeConnectionCheckService tester;  // not called here
        {
            QSettings settings(ini, QSettings::IniFormat);
            ProfileStore profiles(settings);
            ui::SettingsPage page(&profiles, &secrets, &tester);
            page.show();
            page.findChild<QLineEdit *>(QStringLiteral("profileName"))->setText(QStringLiteral("staging"));
            page.findChild<QLineEdit *>(QStringLiteral("redisHost"))->setText(QStringLiteral("redis.internal"));
            page.findChild<QSpinBox *>(QStringLiteral("redisDb"))->setValue(3);
            auto *redisPassword = page.findChild<QLineEdit *>(QStringLiteral("redisPassword"));
            QCOMPARE(redisPassword->echoMode(), QLineEdit::Password);
            QTest::keyClicks(redisPassword, QStringLiteral("redis-pw-123"));
            page.findChild<QLineEdit *>(QStringLiteral("pgHost"))->setText(QStringLiteral("pg.internal"));
            page.findChild<QLineEdit *>(QStringLiteral("pgDatabase"))->setText(QStringLiteral("tiersync"));
            QTest::keyClicks(page.findChild<QLineEdit *>(QStringLiteral("pgPassword")), QStringLiteral("pg-pw-456"));
            page.findChild<QLineEdit *>(QStringLiteral("zohoClientId"))->setText(QStringLiteral("1000.CLIENT"));
            QTest::keyClicks(page.findChild<QLineEdit *>(QStringLiteral("zohoClientSecret")), QStringLiteral("zs-789"));
            QTest::keyClicks(page.findChild<QLineEdit *>(QStringLiteral("zohoRefreshToken")), QStringLiteral("rt-000"));

            QSignalSpy saved(&page, &ui::SettingsPage::profileSaved);
            QTest::mouseClick(page.findChild<QPushButton *>(QStringLiteral("saveProfileButton")), Qt::LeftButton);
            QTRY_COMPARE(saved.size(), 1);
            QVERIFY(page.findChild<QLabel *>(QStringLiteral("settingsStatus"))->text().contains(QStringLiteral("keychain")));
            settings.sync();
        }
        QFile file(ini);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray contents = file.readAll();
        QVERIFY(contents.contains("redis.internal"));
        QVERIFY(contents.contains("pg.internal"));
        QVERIFY(contents.contains("1000.CLIENT"));
        for (const char *secret : {"redis-pw-123", "pg-pw-456", "zs-789", "rt-000"})
            QVERIFY2(!contents.contains(secret), secret);

        QSettings settings(ini, QSettings::IniFormat);
        ProfileStore profiles(settings);
        auto loaded = profiles.load(QStringLiteral("staging"));
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->redis.db, 3);
        bool done = false;
        ProfileStore::resolveSecrets(*loaded, secrets, [&](Result<ConnectionProfile> full) {
            QVERIFY(full.ok());
            QCOMPARE(full->redis.password.reveal(), QStringLiteral("redis-pw-123"));
            QCOMPARE(full->pg.password.reveal(), QStringLiteral("pg-pw-456"));
            QCOMPARE(full->zoho.clientSecret.reveal(), QStringLiteral("zs-789"));
            QCOMPARE(full->zoho.refreshToken.reveal(), QStringLiteral("rt-000"));
            done = true;
        });
        QTRY_VERIFY(done);

        // Reopening the page shows the saved profile, secrets masked.
        ui::SettingsPage page(&profiles, &secrets, &tester);
        auto *list = page.findChild<QListWidget *>(QStringLiteral("profileList"));
        QCOMPARE(list->count(), 1);
        list->setCurrentRow(0);
        QTRY_COMPARE(page.findChild<QLineEdit *>(QStringLiteral("redisPassword"))->text(), QStringLiteral("redis-pw-123"));
        QCOMPARE(page.formProfile().redis.host, QStringLiteral("redis.internal"));
    }

    void refusesAProfileWithoutAName()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("console.ini")), QSettings::IniFormat);
        ProfileStore profiles(settings);
        InMemorySecretStore secrets;
        test::FakeConnectionCheckService tester;
        ui::SettingsPage page(&profiles, &secrets, &tester);
        QTest::mouseClick(page.findChild<QPushButton *>(QStringLiteral("saveProfileButton")), Qt::LeftButton);
        QVERIFY(profiles.profileNames().isEmpty());
        QVERIFY(page.findChild<QLabel *>(QStringLiteral("settingsStatus"))->text().contains(QStringLiteral("name")));
    }

    // Redis's ACL user and Sentinel: typed in the form, saved in the profile (no password
    // in the file), shown again; sentinels that do not parse, or no master name, are
    // refused in words and nothing is saved.
    void keepsTheRedisUserAndSentinels()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("console.ini")), QSettings::IniFormat);
        ProfileStore profiles(settings);
        InMemorySecretStore secrets;
        test::FakeConnectionCheckService tester;
        ui::SettingsPage page(&profiles, &secrets, &tester);
        page.show();
        const auto edit = [&page](const char *name) { return page.findChild<QLineEdit *>(QLatin1String(name)); };
        QVERIFY(edit("redisUser") && edit("redisSentinels") && edit("redisMasterName"));
        edit("profileName")->setText(QStringLiteral("ha"));
        QTest::keyClicks(edit("redisUser"), QStringLiteral("tiersync-app"));
        QTest::keyClicks(edit("redisSentinels"), QStringLiteral("s1:26379,s2"));
        const auto save = [&page] {
            QTest::mouseClick(page.findChild<QPushButton *>(QStringLiteral("saveProfileButton")), Qt::LeftButton);
        };
        save();  // no master name yet
        QVERIFY(profiles.profileNames().isEmpty());
        QVERIFY(page.findChild<QLabel *>(QStringLiteral("settingsStatus"))->text().contains(QStringLiteral("master")));
        QTest::keyClicks(edit("redisMasterName"), QStringLiteral("mymaster"));
        edit("redisSentinels")->setText(QStringLiteral("s1:99999"));
        save();
        QVERIFY(profiles.profileNames().isEmpty());
        QVERIFY(page.findChild<QLabel *>(QStringLiteral("settingsStatus"))->text().contains(QStringLiteral("sentinels")));
        edit("redisSentinels")->setText(QStringLiteral("s1:26379,s2"));
        QSignalSpy saved(&page, &ui::SettingsPage::profileSaved);
        save();
        QTRY_COMPARE(saved.size(), 1);

        auto loaded = profiles.load(QStringLiteral("ha"));
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->redis.username, QStringLiteral("tiersync-app"));
        QCOMPARE(loaded->redis.sentinels,
                 (QList<RedisSettings::Endpoint>{{QStringLiteral("s1"), 26379}, {QStringLiteral("s2"), 26379}}));
        QCOMPARE(loaded->redis.masterName, QStringLiteral("mymaster"));

        ui::SettingsPage again(&profiles, &secrets, &tester);
        auto *list = again.findChild<QListWidget *>(QStringLiteral("profileList"));
        list->setCurrentRow(0);
        QTRY_COMPARE(again.findChild<QLineEdit *>(QStringLiteral("redisSentinels"))->text(),
                     QStringLiteral("s1:26379,s2:26379"));
        QCOMPARE(again.findChild<QLineEdit *>(QStringLiteral("redisUser"))->text(), QStringLiteral("tiersync-app"));
        QCOMPARE(again.findChild<QLineEdit *>(QStringLiteral("redisMasterName"))->text(), QStringLiteral("mymaster"));
        QVERIFY(again.formProfile().redis.usesSentinel());
    }

    // "Test connection" tests the profile as the form shows it (unsaved, secrets
    // included) and shows the service's answer in words beside the button.
    void testsTheFormsProfileAndShowsTheAnswer()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("console.ini")), QSettings::IniFormat);
        ProfileStore profiles(settings);
        InMemorySecretStore secrets;
        test::FakeConnectionCheckService checks;
        ui::SettingsPage page(&profiles, &secrets, &checks);
        page.show();
        page.findChild<QLineEdit *>(QStringLiteral("redisHost"))->setText(QStringLiteral("redis.internal"));
        QTest::keyClicks(page.findChild<QLineEdit *>(QStringLiteral("redisPassword")), QStringLiteral("pw"));
        auto *result = page.findChild<QLabel *>(QStringLiteral("redisTestResult"));
        QTest::mouseClick(page.findChild<QPushButton *>(QStringLiteral("testRedisButton")), Qt::LeftButton);
        QCOMPARE(checks.tests.size(), 1);
        QCOMPARE(checks.tests.first().service, ConnectionCheck::Service::Redis);
        QCOMPARE(checks.tests.first().profile.redis.host, QStringLiteral("redis.internal"));
        QCOMPARE(checks.tests.first().profile.redis.password.reveal(), QStringLiteral("pw"));
        QCOMPARE(result->text(), QStringLiteral("Testing…"));
        QTest::mouseClick(page.findChild<QPushButton *>(QStringLiteral("testZohoButton")), Qt::LeftButton);
        QCOMPARE(checks.tests.last().service, ConnectionCheck::Service::Zoho);

        ConnectionCheck failed;
        failed.service = ConnectionCheck::Service::Redis;
        failed.message = describeForAdmin(failed.service, makeError(ErrorKind::Unavailable, QStringLiteral("refused")));
        Q_EMIT checks.testFinished(failed);
        QVERIFY2(result->text().startsWith(QStringLiteral("✘ Cannot reach Redis")), qPrintable(result->text()));
        auto *zoho = page.findChild<QLabel *>(QStringLiteral("zohoTestResult"));
        ConnectionCheck connected;
        connected.service = ConnectionCheck::Service::Zoho;
        connected.ok = true;
        connected.message = QStringLiteral("Connected — Zoho Books answered in 12 ms.");
        Q_EMIT checks.testFinished(connected);
        QCOMPARE(zoho->text(), QStringLiteral("✔ Connected — Zoho Books answered in 12 ms."));
        QVERIFY(result->text().startsWith(QStringLiteral("✘")));  // the other answer stays
    }
};

QTEST_MAIN(TestSettingsPage)
#include "tst_settingspage.moc"
