#include "consoleharness.h"
#include "itemmodels/keylistmodel.h"
#include "keys/keyspage.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "shell/mainwindow.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 51;


}  // namespace

class TestKeysPage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void browseViewAndDelete()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("keyspage"), kDb);
        VERIFY_OK(scratch);
        const ConnectionProfile profile = (*scratch)->profile();
        RedisConnection redis(profile.redis);
        for (int i = 0; i < 30; ++i)
            QVERIFY(redis.set("tiersync:v1:ep:grades:" + QByteArray::number(i), R"({"score":)" + QByteArray::number(i) + "}").ok());
        QVERIFY(redis.hset("tiersync:v1:state:items:1", {{"content_hash", "abc"}, {"local_id", "7"}}).ok());

        test::ConsoleHarness console;
        test::RecordingConfirmer &confirmer = console.confirmer();
        ui::MainWindow &window = console.window();
        window.show();
        window.setProfile(profile);

        auto *list = window.findChild<QTableView *>(QStringLiteral("keyList"));
        QVERIFY(list);
        QTRY_COMPARE(list->model()->rowCount(), 31);
        auto *loaded = window.findChild<QLabel *>(QStringLiteral("loadedLabel"));
        QTRY_VERIFY(loaded->text().contains(QStringLiteral("scan complete")));

        // Filter by prefix: only the hash.
        auto *filter = window.findChild<QLineEdit *>(QStringLiteral("keyFilter"));
        QTest::keyClicks(filter, QStringLiteral("tiersync:v1:state:"));
        QTest::keyClick(filter, Qt::Key_Return);
        QTRY_COMPARE(list->model()->rowCount(), 1);
        list->setCurrentIndex(list->model()->index(0, 0));
        auto *fields = window.findChild<QTableWidget *>(QStringLiteral("valueFields"));
        QTRY_COMPARE(fields->rowCount(), 2);
        QCOMPARE(window.findChild<QLabel *>(QStringLiteral("valueType"))->text(), QStringLiteral("hash"));

        filter->clear();
        QTest::keyClicks(filter, QStringLiteral("tiersync:v1:ep:grades:1*"));  // explicit glob
        QTest::keyClick(filter, Qt::Key_Return);
        QTRY_COMPARE(list->model()->rowCount(), 11);  // 1, 10..19

        // See a value: JSON pretty-printed.
        int row = -1;
        for (int r = 0; r < list->model()->rowCount(); ++r) {
            if (list->model()->index(r, 0).data().toString() == QLatin1String("tiersync:v1:ep:grades:12"))
                row = r;
        }
        QVERIFY(row >= 0);
        list->setCurrentIndex(list->model()->index(row, 0));
        auto *json = window.findChild<QPlainTextEdit *>(QStringLiteral("valueJson"));
        QTRY_VERIFY(json->toPlainText().contains(QStringLiteral("\"score\": 12")));
        QCOMPARE(window.findChild<QPlainTextEdit *>(QStringLiteral("valueRaw"))->toPlainText(),
                 QStringLiteral(R"({"score":12})"));

        // Delete it with the button; the confirmation names the key.
        list->selectRow(row);
        auto *deleteButton = window.findChild<QPushButton *>(QStringLiteral("deleteButton"));
        QTRY_VERIFY(deleteButton->isEnabled());
        QTest::mouseClick(deleteButton, Qt::LeftButton);
        QCOMPARE(confirmer.questions.size(), 1);
        QVERIFY(confirmer.questions.first().contains(QStringLiteral("tiersync:v1:ep:grades:12")));
        QTRY_COMPARE(list->model()->rowCount(), 10);
        QTRY_COMPARE(*redis.exists({"tiersync:v1:ep:grades:12"}), 0);
        QCOMPARE(*redis.exists({"tiersync:v1:ep:grades:13"}), 1);
    }

    void invalidateByPatternCountsFirst()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("keyspage"), kDb);
        VERIFY_OK(scratch);
        const ConnectionProfile profile = (*scratch)->profile();
        RedisConnection redis(profile.redis);
        for (int i = 0; i < 25; ++i)
            QVERIFY(redis.set("tiersync:v1:ep:fees:" + QByteArray::number(i), "{}").ok());
        QVERIFY(redis.set("tiersync:v1:ep:grades:1", "{}").ok());

        test::ConsoleHarness console;
        test::RecordingConfirmer &confirmer = console.confirmer();
        ui::MainWindow &window = console.window();
        window.show();
        window.setProfile(profile);

        auto *pattern = window.findChild<QLineEdit *>(QStringLiteral("invalidatePattern"));
        auto *invalidate = window.findChild<QPushButton *>(QStringLiteral("invalidateButton"));
        auto *status = window.findChild<QLabel *>(QStringLiteral("keysStatus"));
        QVERIFY(!invalidate->isEnabled());
        QTest::keyClicks(pattern, QStringLiteral("tiersync:v1:ep:fees:*"));
        QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("dryRunButton")), Qt::LeftButton);
        QTRY_VERIFY(status->text().contains(QStringLiteral("25 keys match")));
        QCOMPARE(*redis.dbsize(), 26);  // a dry run deletes nothing
        QTRY_VERIFY(invalidate->isEnabled());
        QTest::mouseClick(invalidate, Qt::LeftButton);
        QCOMPARE(confirmer.questions.size(), 1);
        QVERIFY(confirmer.questions.first().contains(QStringLiteral("25 keys")));
        QTRY_VERIFY(status->text().contains(QStringLiteral("Deleted 25 keys")));
        QCOMPARE(*redis.dbsize(), 1);
    }
};

QTEST_MAIN(TestKeysPage)
#include "tst_keyspage.moc"
