#include "budget/zoholimitsrepository.h"
#include "consoleharness.h"
#include "scratchprofile.h"
#include "settings/settingspage.h"
#include "settings/zoholimitsbox.h"
#include "shell/mainwindow.h"
#include "store/pgconnection.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

#include <pqxx/pqxx>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 49;
constexpr int kTimeoutMs = 60000;

using Row = ZohoLimitsRepository::Row;

Row storedRow(const PgSettings &pg, ZohoApiFamily family)
{
    PgConnection connection(pg);
    auto rows = ZohoLimitsRepository(connection).rows();
    return rows ? rows->at(int(family)) : Row{};
}

// Chooses the combo's item as the admin does, with the keyboard (emits activated).
void choose(QComboBox *combo, const QString &text)
{
    const int target = combo->findText(text);
    QVERIFY2(target >= 0, qPrintable(text));
    combo->setFocus();
    for (int guard = 0; combo->currentIndex() != target && guard < combo->count(); ++guard)
        QTest::keyClick(combo, combo->currentIndex() < target ? Qt::Key_Down : Qt::Key_Up);
    QCOMPARE(combo->currentText(), text);
}

}  // namespace

// The Settings page's "Zoho limits" in the console as the app builds it (ConsoleHarness:
// the real ZohoLimitsWorker on its thread), against a scratch database of the fixture's
// PostgreSQL.
class TestSettingsLimits final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void editsTheOrganisationsLimits()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("settingslimits"), kDb);
        VERIFY_OK(scratch);
        const ConnectionProfile profile = (*scratch)->profile();

        test::ConsoleHarness console;
        ui::MainWindow &window = console.window();
        window.show();
        window.setProfile(profile);
        window.showPage(ui::MainWindow::Page::Settings);

        window.settingsPage()->showTab(ui::SettingsPage::Tab::ZohoLimits);
        ui::ZohoLimitsBox *box = window.settingsPage()->zohoLimitsBox();
        QVERIFY(box);
        QCOMPARE(box->objectName(), QStringLiteral("zohoLimitsBox"));
        const auto spin = [box](const char *name) { return box->findChild<QSpinBox *>(QLatin1String(name)); };
        const auto label = [box](const char *name) { return box->findChild<QLabel *>(QLatin1String(name)); };
        auto *booksPlan = box->findChild<QComboBox *>(QStringLiteral("booksPlan"));
        auto *crmPlan = box->findChild<QComboBox *>(QStringLiteral("crmPlan"));
        auto *booksApply = box->findChild<QPushButton *>(QStringLiteral("booksApply"));
        auto *crmApply = box->findChild<QPushButton *>(QStringLiteral("crmApply"));
        auto *reload = box->findChild<QPushButton *>(QStringLiteral("zohoLimitsReload"));
        QVERIFY(booksPlan && crmPlan && booksApply && crmApply && reload);
        QVERIFY(spin("booksPerMinute") && spin("booksPerDay") && spin("booksConcurrency") && spin("booksReadReserve"));
        QVERIFY(spin("crmUsers") && spin("crmPerDay") && spin("crmConcurrency") && spin("crmPerMinute"));
        QVERIFY(!spin("booksUsers"));  // licences are CRM's only
        QVERIFY(label("booksChanged") && label("booksLimitsStatus") && label("crmLimitsStatus"));

        // Zoho's defaults, loaded off the GUI thread, with who set them.
        QTRY_VERIFY_WITH_TIMEOUT(booksApply->isEnabled(), kTimeoutMs);
        QCOMPARE(booksPlan->currentText(), QStringLiteral("free"));
        QCOMPARE(spin("booksPerMinute")->value(), 100);
        QCOMPARE(spin("booksPerDay")->value(), 1000);
        QCOMPARE(spin("booksConcurrency")->value(), 5);
        QCOMPARE(spin("booksReadReserve")->value(), 20);
        QCOMPARE(spin("crmPerDay")->value(), 5000);
        QVERIFY2(label("booksChanged")->text().contains(QLatin1String("by migration")),
                 qPrintable(label("booksChanged")->text()));

        // A plan fills per day and at once with Zoho's values; the admin overrides one.
        choose(booksPlan, QStringLiteral("professional"));
        QCOMPARE(spin("booksPerDay")->value(), 5000);
        QCOMPARE(spin("booksConcurrency")->value(), 10);
        QCOMPARE(spin("booksPerMinute")->value(), 100);
        spin("booksPerMinute")->setValue(90);
        QTest::mouseClick(booksApply, Qt::LeftButton);
        QVERIFY(!booksApply->isEnabled());  // disabled until the worker answers
        QVERIFY(!spin("booksPerMinute")->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(label("booksLimitsStatus")->text().startsWith(QLatin1String("Saved")), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(label("booksChanged")->text().contains(QLatin1String("by console:")), kTimeoutMs);
        QVERIFY(booksApply->isEnabled());
        const Row books = storedRow(profile.pg, ZohoApiFamily::Books);
        QCOMPARE(books.plan, QStringLiteral("professional"));
        QCOMPARE(books.limits.perWindow, 90);
        QCOMPARE(books.limits.perDay, qint64(5000));
        QCOMPARE(books.limits.concurrency, 10);
        QVERIFY(books.updatedBy.startsWith(QStringLiteral("console:")));
        QCOMPARE(spin("booksPerMinute")->value(), 90);  // reloaded from what was stored

        // A paid CRM edition needs licences: said in words, nothing filled in.
        choose(crmPlan, QStringLiteral("professional"));
        QVERIFY2(label("crmLimitsStatus")->text().contains(QLatin1String("at least 1 licence")),
                 qPrintable(label("crmLimitsStatus")->text()));
        QCOMPARE(spin("crmPerDay")->value(), 5000);
        spin("crmUsers")->setValue(4);
        QCOMPARE(spin("crmPerDay")->value(), 52000);
        QCOMPARE(spin("crmConcurrency")->value(), 15);

        // PostgreSQL refuses the save (a constraint this test adds): the reason in words,
        // nothing stored, the admin's edits kept.
        {
            PgConnection connection(profile.pg);
            VERIFY_OK(connection.transaction(
                QStringLiteral("capping per_window"),
                [](pqxx::transaction_base &txn) -> Status {
                    txn.exec("ALTER TABLE tiersync.zoho_limits ADD CONSTRAINT tst_cap CHECK (per_window <= 1000)");
                    return {};
                },
                PgConnection::Idempotency::NotIdempotent));
        }
        spin("crmPerMinute")->setValue(1200);
        QTest::mouseClick(crmApply, Qt::LeftButton);
        QVERIFY(!crmApply->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(crmApply->isEnabled(), kTimeoutMs);
        // A constraint violation is a refusal of the values, named as PostgreSQL names it.
        QVERIFY2(label("crmLimitsStatus")->text().startsWith(QLatin1String("Not saved:"))
                     && label("crmLimitsStatus")->text().contains(QLatin1String("tst_cap")),
                 qPrintable(label("crmLimitsStatus")->text()));
        const Row crm = storedRow(profile.pg, ZohoApiFamily::Crm);
        QCOMPARE(crm.plan, QStringLiteral("free"));
        QCOMPARE(crm.limits.perWindow, 1000);
        QCOMPARE(crm.updatedBy, QStringLiteral("migration"));
        QCOMPARE(spin("crmPerMinute")->value(), 1200);

        // Reload drops the edits: the stored values come back.
        QTest::mouseClick(reload, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(spin("crmPerMinute")->value(), 1000, kTimeoutMs);
        QCOMPARE(crmPlan->currentText(), QStringLiteral("free"));
        QCOMPARE(spin("crmPerDay")->value(), 5000);
        QCOMPARE(spin("booksPerMinute")->value(), 90);
    }
};

QTEST_MAIN(TestSettingsLimits)
#include "tst_settingslimits.moc"
