// The Settings page's "Zoho limits" in the main window as the console composes it,
// against a fake ZohoLimitsService: no servers, no clock (the rows' "changed" times are
// fixed). Each answer is what the engine gives after the change the test describes;
// EngineZohoLimitsService itself (storing, the console's user, PostgreSQL's refusal
// named) is tested on the real servers by tst_zoholimitsservice.
#include "budget/zoholimitsrepository.h"
#include "console/serviceerror.h"
#include "pageconsole.h"
#include "fakezoholimitsservice.h"
#include "settings/settingspage.h"
#include "settings/zoholimitsbox.h"
#include "shell/mainwindow.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>
#include <QTimeZone>

using namespace tiersync;

namespace {

constexpr int kTimeoutMs = 5000;

using Row = ZohoLimitsRepository::Row;

// A fresh database's rows: Zoho's defaults for every family, as the migration stored them.
QList<Row> migratedRows()
{
    QList<Row> rows;
    for (ZohoApiFamily family : {ZohoApiFamily::Books, ZohoApiFamily::Inventory, ZohoApiFamily::Crm}) {
        Row row;
        row.family = family;
        row.limits = ZohoLimits{}.of(family);
        row.updatedAt = QDateTime(QDate(2024, 6, 11), QTime(14, 0), QTimeZone::utc());
        row.updatedBy = QStringLiteral("migration");
        rows.append(row);
    }
    return rows;
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

class TestSettingsLimits final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void editsTheOrganisationsLimits()
    {
        test::FakeZohoLimitsService limits;
        ui::ConsoleContext services;
        services.zohoLimits = &limits;
        test::PageConsole console(services);
        console.parkPollTimers();
        ConnectionProfile profile;
        profile.name = QStringLiteral("test");
        console.open(ui::MainWindow::Page::Settings, profile);
        ui::MainWindow &window = console.window();
        QCOMPARE(limits.profiles.size(), 1);
        QList<Row> stored = migratedRows();

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

        // Zoho's defaults, loaded when the tab is shown, with who set them.
        QVERIFY(!booksApply->isEnabled());  // until the limits arrive
        QCOMPARE(limits.answerLoads(stored), 1);
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
        QVERIFY(!booksApply->isEnabled());  // disabled until the service answers
        QVERIFY(!spin("booksPerMinute")->isEnabled());
        QCOMPARE(limits.saves.size(), 1);
        Row books = limits.saves.first();
        QCOMPARE(books.family, ZohoApiFamily::Books);
        QCOMPARE(books.plan, QStringLiteral("professional"));
        QCOMPARE(books.limits.perWindow, 90);
        QCOMPARE(books.limits.perDay, qint64(5000));
        QCOMPARE(books.limits.concurrency, 10);
        // Stored as the console's user; the page reloads after the save.
        books.updatedAt = stored.at(0).updatedAt.addSecs(3600);
        books.updatedBy = QStringLiteral("console:admin@desk");
        stored[0] = books;
        QCOMPARE(limits.pendingLoads, 0);
        Q_EMIT limits.saved(ZohoApiFamily::Books);
        QTRY_VERIFY_WITH_TIMEOUT(label("booksLimitsStatus")->text().startsWith(QLatin1String("Saved")), kTimeoutMs);
        QCOMPARE(limits.answerLoads(stored), 1);
        QTRY_VERIFY_WITH_TIMEOUT(label("booksChanged")->text().contains(QLatin1String("by console:")), kTimeoutMs);
        QVERIFY(booksApply->isEnabled());
        QCOMPARE(spin("booksPerMinute")->value(), 90);  // reloaded from what was stored

        // A paid CRM edition needs licences: said in words, nothing filled in.
        choose(crmPlan, QStringLiteral("professional"));
        QVERIFY2(label("crmLimitsStatus")->text().contains(QLatin1String("at least 1 licence")),
                 qPrintable(label("crmLimitsStatus")->text()));
        QCOMPARE(spin("crmPerDay")->value(), 5000);
        spin("crmUsers")->setValue(4);
        QCOMPARE(spin("crmPerDay")->value(), 52000);
        QCOMPARE(spin("crmConcurrency")->value(), 15);

        // PostgreSQL refuses the save (a constraint of the table): the reason in words,
        // nothing stored, the admin's edits kept.
        spin("crmPerMinute")->setValue(1200);
        QTest::mouseClick(crmApply, Qt::LeftButton);
        QVERIFY(!crmApply->isEnabled());
        QCOMPARE(limits.saves.size(), 2);
        QCOMPARE(limits.saves.last().family, ZohoApiFamily::Crm);
        QCOMPARE(limits.saves.last().limits.perWindow, 1200);
        Q_EMIT limits.failed(ZohoLimitsService::Request::Save, ZohoApiFamily::Crm,
                             {std::nullopt,
                              makeError(ErrorKind::InvalidArgument,
                                        QStringLiteral("new row for relation \"zoho_limits\" violates check "
                                                       "constraint \"tst_cap\""))});
        QTRY_VERIFY_WITH_TIMEOUT(crmApply->isEnabled(), kTimeoutMs);
        // A constraint violation is a refusal of the values, named as PostgreSQL names it.
        QVERIFY2(label("crmLimitsStatus")->text().startsWith(QLatin1String("Not saved:"))
                     && label("crmLimitsStatus")->text().contains(QLatin1String("tst_cap")),
                 qPrintable(label("crmLimitsStatus")->text()));
        const Row crm = stored.at(2);
        QCOMPARE(crm.plan, QStringLiteral("free"));
        QCOMPARE(crm.limits.perWindow, 1000);
        QCOMPARE(crm.updatedBy, QStringLiteral("migration"));
        QCOMPARE(spin("crmPerMinute")->value(), 1200);

        // PostgreSQL unreachable on a save: nothing changed, said naming the server.
        QTest::mouseClick(booksApply, Qt::LeftButton);
        QCOMPARE(limits.saves.size(), 3);
        Q_EMIT limits.failed(ZohoLimitsService::Request::Save, ZohoApiFamily::Books,
                             {ConnectionCheck::Service::Postgres,
                              makeError(ErrorKind::Unavailable, QStringLiteral("connection refused"))});
        QVERIFY2(label("booksLimitsStatus")->text().startsWith(
                     QLatin1String("The limits were not changed. Cannot reach PostgreSQL")),
                 qPrintable(label("booksLimitsStatus")->text()));
        QVERIFY(booksApply->isEnabled());

        // A load that fails says so in words, naming the server; the fields keep their values.
        QTest::mouseClick(reload, Qt::LeftButton);
        QCOMPARE(limits.pendingLoads, 1);
        limits.pendingLoads = 0;
        Q_EMIT limits.failed(ZohoLimitsService::Request::Load, ZohoApiFamily::Books,
                             {ConnectionCheck::Service::Postgres,
                              makeError(ErrorKind::Unavailable, QStringLiteral("connection refused"))});
        auto *status = box->findChild<QLabel *>(QStringLiteral("zohoLimitsStatus"));
        QVERIFY2(status->text().startsWith(QLatin1String("Could not read the limits: Cannot reach PostgreSQL")),
                 qPrintable(status->text()));
        QCOMPARE(spin("crmPerMinute")->value(), 1200);

        // Reload drops the edits: the stored values come back.
        QTest::mouseClick(reload, Qt::LeftButton);
        QCOMPARE(limits.answerLoads(stored), 1);
        QTRY_COMPARE_WITH_TIMEOUT(spin("crmPerMinute")->value(), 1000, kTimeoutMs);
        QCOMPARE(crmPlan->currentText(), QStringLiteral("free"));
        QCOMPARE(spin("crmPerDay")->value(), 5000);
        QCOMPARE(spin("booksPerMinute")->value(), 90);
    }
};

QTEST_MAIN(TestSettingsLimits)
#include "tst_settingslimits.moc"
