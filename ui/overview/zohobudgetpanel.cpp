#include "overview/zohobudgetpanel.h"

#include "console/overviewsnapshot.h"

#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace tiersync::ui {

namespace {

constexpr const char *kGreen = "#27ae60";
constexpr const char *kOrange = "#e67e22";
constexpr const char *kRed = "#c0392b";
constexpr const char *kGrey = "#95a5a6";

QString familyTitle(ZohoApiFamily family)
{
    switch (family) {
    case ZohoApiFamily::Books:
        return QObject::tr("Books");
    case ZohoApiFamily::Inventory:
        return QObject::tr("Inventory");
    case ZohoApiFamily::Crm:
        break;
    }
    return QObject::tr("CRM");
}

// budgetBooksMinute, budgetCrmDay, …
QString partName(ZohoApiFamily family, const char *part)
{
    QString name = zohoApiFamilyName(family);
    name[0] = name[0].toUpper();
    return QStringLiteral("budget") + name + QLatin1String(part);
}

// "45 s", "12 min", "3 h 5 min": how long ago, or how long until.
QString spanText(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms) / 1000;
    if (s < 60)
        return QObject::tr("%1 s").arg(s);
    if (s < 3600)
        return QObject::tr("%1 min").arg(s / 60);
    return QObject::tr("%1 h %2 min").arg(s / 3600).arg(s % 3600 / 60);
}

QString timeText(qint64 epochMs)
{
    return QDateTime::fromMSecsSinceEpoch(epochMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QProgressBar *bar(QWidget *parent, const QString &name)
{
    auto *b = new QProgressBar(parent);
    b->setObjectName(name);
    b->setTextVisible(true);
    b->setAlignment(Qt::AlignCenter);
    b->setMinimumWidth(150);
    return b;
}

// Exact figures on the bar, its colour by how much is spent.
void setBar(QProgressBar *b, qint64 used, qint64 limit, const QString &text)
{
    const bool bounded = limit > 0;
    b->setRange(0, bounded ? int(std::min<qint64>(limit, 1 << 30)) : 1);
    b->setValue(bounded ? int(std::min(used, limit)) : 0);
    b->setFormat(text);
    const char *colour = !bounded || used * 100 < limit * 80 ? kGreen : used < limit ? kOrange : kRed;
    b->setStyleSheet(QStringLiteral("QProgressBar { border: 1px solid palette(mid); border-radius: 3px;"
                                    " background: palette(window); min-height: 18px; }"
                                    " QProgressBar::chunk { background: %1; }")
                         .arg(QLatin1String(colour)));
}

QTableWidgetItem *numberItem(const QString &text)
{
    auto *item = new QTableWidgetItem(text);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QLabel *caption(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setStyleSheet(QStringLiteral("QLabel { color: #7f8c8d; }"));
    return label;
}

}  // namespace

ZohoBudgetPanel::ZohoBudgetPanel(QWidget *parent)
    : QFrame(parent),
      m_summary(new QLabel(this)),
      m_token(new QLabel(this)),
      m_instances(new QTableWidget(this))
{
    setObjectName(QStringLiteral("zohoBudgetPanel"));
    m_summary->setObjectName(QStringLiteral("budgetSummaryLabel"));
    m_token->setObjectName(QStringLiteral("budgetTokenLabel"));
    m_instances->setObjectName(QStringLiteral("budgetInstanceTable"));
    m_summary->setWordWrap(true);
    m_token->setWordWrap(true);
    m_token->setTextFormat(Qt::PlainText);
    m_summary->setTextFormat(Qt::PlainText);

    auto *title = new QLabel(tr("Zoho budget — the organisation's, shared by every process"), this);
    title->setObjectName(QStringLiteral("budgetTitle"));
    title->setStyleSheet(QStringLiteral("QLabel { color: #7f8c8d; font-weight: 600; }"));

    auto *grid = new QGridLayout;
    grid->setHorizontalSpacing(10);
    grid->setVerticalSpacing(4);
    grid->addWidget(caption(tr("This minute"), this), 0, 1);
    grid->addWidget(caption(tr("In flight"), this), 0, 2);
    grid->addWidget(caption(tr("Today"), this), 0, 3);
    for (int i = 0; i < kZohoApiFamilyCount; ++i) {
        const auto family = ZohoApiFamily(i);
        FamilyRow &row = m_families[size_t(i)];
        auto *name = new QLabel(familyTitle(family), this);
        name->setStyleSheet(QStringLiteral("QLabel { font-weight: 600; }"));
        row.minute = bar(this, partName(family, "Minute"));
        row.inFlight = new QLabel(this);
        row.inFlight->setObjectName(partName(family, "InFlight"));
        row.inFlight->setMinimumWidth(60);
        row.day = bar(this, partName(family, "Day"));
        row.state = new QLabel(this);
        row.state->setObjectName(partName(family, "State"));
        row.state->setTextFormat(Qt::PlainText);
        row.state->setWordWrap(true);  // a halt's reason is Zoho's sentence
        row.state->setMinimumWidth(160);
        grid->addWidget(name, i + 1, 0);
        grid->addWidget(row.minute, i + 1, 1);
        grid->addWidget(row.inFlight, i + 1, 2);
        grid->addWidget(row.day, i + 1, 3);
        grid->addWidget(row.state, i + 1, 4);
    }
    grid->setColumnStretch(1, 2);
    grid->setColumnStretch(3, 2);
    grid->setColumnStretch(4, 3);

    auto *left = new QVBoxLayout;
    left->addWidget(title);
    left->addLayout(grid);
    left->addWidget(m_token);
    left->addWidget(m_summary);
    left->addStretch(1);

    m_instances->setColumnCount(InstanceColumnCount);
    m_instances->setHorizontalHeaderLabels({tr("Instance"), tr("Books /min"), tr("Inventory /min"), tr("CRM /min"),
                                            tr("In flight"), tr("Last call")});
    m_instances->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_instances->setSelectionMode(QAbstractItemView::NoSelection);
    m_instances->verticalHeader()->hide();
    m_instances->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_instances->horizontalHeader()->setSectionResizeMode(InstanceName, QHeaderView::Stretch);
    m_instances->setAlternatingRowColors(true);
    m_instances->setWordWrap(false);
    m_instances->setMinimumWidth(480);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 10, 6);
    layout->addLayout(left, 3);
    layout->addWidget(m_instances, 2);
    setMaximumHeight(200);

    m_summary->setText(tr("Waiting for the first poll…"));
    m_token->setText(tr("Token: —"));
    setEdge(QLatin1String(kGrey));
}

ZohoBudgetPanel::~ZohoBudgetPanel() = default;

void ZohoBudgetPanel::setEdge(const QString &colour)
{
    setStyleSheet(QStringLiteral("QFrame#zohoBudgetPanel { border: 1px solid palette(mid);"
                                 " border-left: 6px solid %1; border-radius: 4px; background: palette(base); }")
                      .arg(colour));
}

void ZohoBudgetPanel::showSnapshot(const OverviewSnapshot &snapshot)
{
    if (!snapshot.budgetKnown) {
        m_summary->setText(tr("Budget unknown: %1").arg(snapshot.budgetMessage));
        setEdge(QLatin1String(kGrey));
        return;  // keep the last figures
    }
    showFamilies(snapshot);
    showInstances(snapshot);

    const ZohoBudgetUsage &budget = snapshot.budget;
    const ZohoTokenInfo &token = budget.token;
    if (token.present) {
        const qint64 now = budget.totals.atMs;
        m_token->setText(token.expiresAtMs > now
                             ? tr("Token: refreshed %1 ago by %2 · expires in %3")
                                   .arg(spanText(now - token.refreshedAtMs), token.refreshedBy,
                                        spanText(token.expiresAtMs - now))
                             : tr("Token: refreshed %1 ago by %2 · expired")
                                   .arg(spanText(now - token.refreshedAtMs), token.refreshedBy));
        m_token->setToolTip(tr("Refreshed at %1").arg(timeText(token.refreshedAtMs)));
    } else if (!token.problem.isEmpty()) {
        m_token->setText(tr("Token: unreadable record (%1)").arg(token.problem));
    } else {
        m_token->setText(tr("Token: no token yet — the first Zoho call refreshes it"));
    }
    QString live = budget.liveInstances == 1 ? tr("1 live instance")
                                             : tr("%1 live instances").arg(budget.liveInstances);
    // Where each engine keeps its budget, as its heartbeat says.
    int fallback = 0;
    for (const InstanceHeartbeat &instance : snapshot.instances)
        fallback += instance.zohoBudgetMode == QLatin1String("fallback") ? 1 : 0;
    if (fallback > 0)
        live += tr(" · %1 on its own share (cannot reach Redis)").arg(fallback);
    m_summary->setText(snapshot.budgetLimitsMessage.isEmpty()
                           ? tr("%1 · limits from tiersync.zoho_limits").arg(live)
                           : tr("%1 · %2").arg(live, snapshot.budgetLimitsMessage));
}

void ZohoBudgetPanel::showFamilies(const OverviewSnapshot &snapshot)
{
    const ZohoBudgetSnapshot &totals = snapshot.budget.totals;
    int severity = 0;  // the panel's edge: 0 green, 1 orange (paused), 2 red (halted)
    for (int i = 0; i < kZohoApiFamilyCount; ++i) {
        const ZohoBudgetFamilySnapshot &f = totals.families[size_t(i)];
        FamilyRow &row = m_families[size_t(i)];
        setBar(row.minute, f.windowUsed, f.windowLimit, tr("%1 / %2").arg(f.windowUsed).arg(f.windowLimit));
        row.inFlight->setText(tr("%1 / %2").arg(f.inFlight).arg(f.concurrency));
        setBar(row.day, f.dayUsed, f.dayLimit,
               f.dayLimit > 0 ? tr("%1 / %2").arg(f.dayUsed).arg(f.dayLimit) : tr("%1 (no daily limit)").arg(f.dayUsed));
        if (f.haltedUntilMs > 0) {
            row.state->setText(tr("Halted until %1: %2").arg(timeText(f.haltedUntilMs), f.haltReason));
            row.state->setStyleSheet(QStringLiteral("QLabel { color: %1; font-weight: 600; }").arg(QLatin1String(kRed)));
            severity = 2;
        } else if (f.pausedUntilMs > 0) {
            row.state->setText(tr("Paused until %1: Zoho said too many at once").arg(timeText(f.pausedUntilMs)));
            row.state->setStyleSheet(QStringLiteral("QLabel { color: %1; }").arg(QLatin1String(kOrange)));
            severity = std::max(severity, 1);
        } else {
            row.state->setText(tr("OK"));
            row.state->setStyleSheet(QStringLiteral("QLabel { color: %1; }").arg(QLatin1String(kGreen)));
        }
        row.state->setToolTip(row.state->text());
    }
    setEdge(QLatin1String(severity == 2 ? kRed : severity == 1 ? kOrange : kGreen));
}

void ZohoBudgetPanel::showInstances(const OverviewSnapshot &snapshot)
{
    const ZohoBudgetUsage &budget = snapshot.budget;
    const bool padded = std::any_of(budget.otherWindowUsed.begin(), budget.otherWindowUsed.end(),
                                    [](int n) { return n > 0; });
    m_instances->setRowCount(int(budget.instances.size()) + (padded ? 1 : 0) + 1);
    int row = 0;
    const auto fill = [this, &row](const QString &name, const std::array<int, kZohoApiFamilyCount> &calls,
                                   const QString &inFlight, const QString &lastCall, bool bold) {
        auto *item = new QTableWidgetItem(name);
        if (bold) {
            QFont font = item->font();
            font.setBold(true);
            item->setFont(font);
        }
        m_instances->setItem(row, InstanceName, item);
        m_instances->setItem(row, BooksColumn, numberItem(QString::number(calls[0])));
        m_instances->setItem(row, InventoryColumn, numberItem(QString::number(calls[1])));
        m_instances->setItem(row, CrmColumn, numberItem(QString::number(calls[2])));
        m_instances->setItem(row, InFlightColumn, numberItem(inFlight));
        m_instances->setItem(row, LastCallColumn, numberItem(lastCall));
        ++row;
    };
    // The busiest first: the table is short, and who spends the budget is the question.
    QList<ZohoBudgetInstanceUse> instances = budget.instances;
    std::stable_sort(instances.begin(), instances.end(), [](const auto &x, const auto &y) {
        return x.totalWindowUsed() + x.totalInFlight() > y.totalWindowUsed() + y.totalInFlight();
    });
    for (const ZohoBudgetInstanceUse &use : std::as_const(instances))
        fill(use.instanceId, use.windowUsed, QString::number(use.totalInFlight()),
             use.lastAcquireMs > 0 ? tr("%1 ago").arg(spanText(budget.totals.atMs - use.lastAcquireMs))
                                   : QStringLiteral("—"),
             false);
    if (padded)
        fill(tr("(window filled after Zoho's 44)"), budget.otherWindowUsed, QStringLiteral("—"), QStringLiteral("—"),
             false);
    std::array<int, kZohoApiFamilyCount> calls{};
    int inFlight = 0;
    for (int i = 0; i < kZohoApiFamilyCount; ++i) {
        calls[size_t(i)] = budget.totals.families[size_t(i)].windowUsed;
        inFlight += budget.totals.families[size_t(i)].inFlight;
    }
    fill(tr("Total"), calls, QString::number(inFlight), QString(), true);
}

}  // namespace tiersync::ui
