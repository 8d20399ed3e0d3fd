#include "overview/overviewpage.h"

#include "cache/instancestore.h"
#include "charts/tierdonutchart.h"
#include "charts/timeserieschart.h"
#include "common/pageheading.h"
#include "common/pagepoller.h"
#include "console/overviewsnapshot.h"
#include "console/statisticsservice.h"
#include "overview/statustile.h"
#include "overview/zohobudgetpanel.h"

#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace tiersync::ui {

namespace {

enum EndpointColumn { NameColumn, RequestsColumn, HitRateColumn, RedisColumn, PostgresColumn, ZohoColumn,
                      StaleColumn, ErrorsColumn, CoalescedColumn, P50Column, P99Column, EndpointColumnCount };

QString percentText(double share)
{
    return QObject::tr("%1 %").arg(share * 100.0, 0, 'f', 1);
}

// The buckets' upper bound: "≤ 1 ms". -1 is the +Inf bucket.
QString latencyText(qint64 us, bool any)
{
    if (!any || us == 0)
        return QStringLiteral("—");
    if (us < 0)
        return QObject::tr("> 10 s");
    if (us < 1000)
        return QObject::tr("≤ %1 µs").arg(us);
    if (us < 1000000)
        return QObject::tr("≤ %1 ms").arg(double(us) / 1000.0, 0, 'g', 4);
    return QObject::tr("≤ %1 s").arg(double(us) / 1e6, 0, 'g', 3);
}

QString instancesText(int count)
{
    return count == 1 ? QObject::tr("1 instance") : QObject::tr("%1 instances").arg(count);
}

QTableWidgetItem *numberItem(const QString &text)
{
    auto *item = new QTableWidgetItem(text);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QLabel *figure(QWidget *parent, const char *name)
{
    auto *label = new QLabel(parent);
    label->setObjectName(QLatin1String(name));
    label->setTextFormat(Qt::PlainText);
    label->setStyleSheet(QStringLiteral("QLabel { font-size: 11pt; padding: 2px 12px 2px 0; }"));
    return label;
}

}  // namespace

OverviewPage::OverviewPage(StatisticsService *service, QWidget *parent)
    : QWidget(parent),
      m_service(service),
      m_redisTile(new StatusTile(tr("Redis"), this)),
      m_pgTile(new StatusTile(tr("PostgreSQL"), this)),
      m_zohoTile(new StatusTile(tr("Zoho circuit"), this)),
      m_cachingTile(new StatusTile(tr("Caching"), this)),
      m_hitRate(figure(this, "hitRateLabel")),
      m_requests(figure(this, "requestsLabel")),
      m_coalesced(figure(this, "coalescedLabel")),
      m_stale(figure(this, "staleLabel")),
      m_zohoCalls(figure(this, "zohoCallsLabel")),
      m_updated(new QLabel(this)),
      m_budget(new ZohoBudgetPanel(this)),
      m_hitRateChart(new TimeSeriesChart(tr("Hit rate per endpoint (Redis + PostgreSQL answers)"), tr("Hit rate (%)"),
                                         this)),
      m_zohoChart(new TimeSeriesChart(tr("Zoho calls per minute"), tr("Calls / min"), this)),
      m_tierChart(new TierDonutChart(tr("Served by tier, last hour"), this)),
      m_endpoints(new QTableWidget(this)),
      m_poller(new PagePoller(this, kPollIntervalMs, QStringLiteral("overviewPollTimer"),
                              [this] { m_service->loadOverview(); }))
{
    m_redisTile->setObjectName(QStringLiteral("redisTile"));
    m_pgTile->setObjectName(QStringLiteral("pgTile"));
    m_zohoTile->setObjectName(QStringLiteral("zohoTile"));
    m_cachingTile->setObjectName(QStringLiteral("cachingTile"));
    m_updated->setObjectName(QStringLiteral("overviewUpdatedLabel"));
    m_hitRateChart->setObjectName(QStringLiteral("hitRateChart"));
    m_zohoChart->setObjectName(QStringLiteral("zohoCallsChart"));
    m_tierChart->setObjectName(QStringLiteral("tierChart"));
    m_endpoints->setObjectName(QStringLiteral("endpointTable"));

    QLabel *title =
        pageHeading(tr("Overview — what every running server serves"), QStringLiteral("overviewTitle"), this);
    m_updated->setText(tr("Waiting for a connection profile…"));
    m_updated->setStyleSheet(QStringLiteral("QLabel { color: #7f8c8d; }"));
    auto *header = new QHBoxLayout;
    header->addWidget(title);
    header->addStretch(1);
    header->addWidget(m_updated);

    auto *tiles = new QHBoxLayout;
    tiles->setSpacing(10);
    tiles->addWidget(m_redisTile);
    tiles->addWidget(m_pgTile);
    tiles->addWidget(m_zohoTile);
    tiles->addWidget(m_cachingTile);

    auto *figures = new QHBoxLayout;
    figures->addWidget(m_hitRate);
    figures->addWidget(m_requests);
    figures->addWidget(m_coalesced);
    figures->addWidget(m_stale);
    figures->addWidget(m_zohoCalls);
    figures->addStretch(1);

    m_hitRateChart->setFixedRange(0, 100);
    auto *charts = new QHBoxLayout;
    charts->addWidget(m_hitRateChart, 3);
    charts->addWidget(m_zohoChart, 2);

    m_endpoints->setColumnCount(EndpointColumnCount);
    m_endpoints->setHorizontalHeaderLabels({tr("Endpoint"), tr("Requests"), tr("Hit rate"), tr("Redis"),
                                            tr("PostgreSQL"), tr("Zoho"), tr("Stale"), tr("Errors"),
                                            tr("Coalesced"), tr("p50"), tr("p99")});
    m_endpoints->horizontalHeaderItem(P50Column)->setToolTip(tr("Median read latency (bucket upper bound)"));
    m_endpoints->horizontalHeaderItem(P99Column)->setToolTip(tr("99th percentile read latency (bucket upper bound)"));
    m_endpoints->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_endpoints->setSelectionMode(QAbstractItemView::NoSelection);
    m_endpoints->verticalHeader()->hide();
    m_endpoints->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_endpoints->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    m_endpoints->setAlternatingRowColors(true);
    m_endpoints->setWordWrap(false);
    auto *tables = new QHBoxLayout;
    tables->addWidget(m_endpoints, 3);
    tables->addWidget(m_tierChart, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addLayout(tiles);
    layout->addLayout(figures);
    layout->addWidget(m_budget);
    layout->addLayout(charts, 3);
    layout->addLayout(tables, 2);

    m_hitRate->setText(tr("Hit rate: —"));
    m_requests->setText(tr("Requests: —"));
    m_coalesced->setText(tr("Coalesced: —"));
    m_stale->setText(tr("Stale: —"));
    m_zohoCalls->setText(tr("Zoho calls: —"));

    if (m_service)
        connect(m_service, &StatisticsService::overviewLoaded, this, &OverviewPage::onLoaded);
}

OverviewPage::~OverviewPage() = default;

void OverviewPage::setProfile(const ConnectionProfile &profile)
{
    if (!m_service)
        return;
    m_service->setProfile(profile);
    m_poller->start();
}

void OverviewPage::refresh()
{
    m_poller->poll();  // idle until setProfile started it
}

void OverviewPage::onLoaded(const OverviewSnapshot &snapshot)
{
    m_poller->finished();
    showTiles(snapshot);
    showTraffic(snapshot);
    m_budget->showSnapshot(snapshot);
    m_updated->setText(tr("Updated %1 · %2 · polled every %3 s")
                           .arg(QDateTime::fromMSecsSinceEpoch(snapshot.takenAtMs).toString(QStringLiteral("HH:mm:ss")),
                                instancesText(int(snapshot.instances.size())))
                           .arg(kPollIntervalMs / 1000));
}

void OverviewPage::showTiles(const OverviewSnapshot &snapshot)
{
    using State = StatusTile::State;
    if (snapshot.redisOk)
        m_redisTile->setStatus(snapshot.redisMessage.isEmpty() ? State::Ok : State::Warning, tr("Connected"),
                               snapshot.redisMessage.isEmpty() ? tr("answered in %1 ms").arg(snapshot.redisLatencyMs)
                                                               : snapshot.redisMessage);
    else
        m_redisTile->setStatus(State::Error, tr("Unreachable"), snapshot.redisMessage);
    if (snapshot.pgOk)
        m_pgTile->setStatus(State::Ok, tr("Connected"), tr("answered in %1 ms").arg(snapshot.pgLatencyMs));
    else
        m_pgTile->setStatus(State::Error, tr("Unreachable"), snapshot.pgMessage);

    const int instances = int(snapshot.instances.size());
    const int open = snapshot.instancesWithCircuit(QStringLiteral("open"));
    const int halfOpen = snapshot.instancesWithCircuit(QStringLiteral("half_open"));
    int inFlight = 0;
    int queued = 0;
    for (const InstanceHeartbeat &instance : snapshot.instances) {
        inFlight += instance.zohoInFlight;
        queued += instance.zohoQueued;
    }
    const QString load = tr("%1 in flight · %2 queued · %3").arg(inFlight).arg(queued).arg(instancesText(instances));
    if (!snapshot.redisOk)
        m_zohoTile->setStatus(State::Unknown, tr("Unknown"), tr("the instances report through Redis"));
    else if (instances == 0)
        m_zohoTile->setStatus(State::Unknown, tr("No engine running"),
                              tr("no server has reported in the last %1 s").arg(InstanceStore::kTtlSeconds));
    else if (open > 0)
        m_zohoTile->setStatus(State::Error, tr("Open on %1 of %2").arg(open).arg(instances), load);
    else if (halfOpen > 0)
        m_zohoTile->setStatus(State::Warning, tr("Half-open on %1 of %2").arg(halfOpen).arg(instances), load);
    else
        m_zohoTile->setStatus(State::Ok, tr("Closed"), load);

    if (!snapshot.cachingKnown) {
        m_cachingTile->setStatus(State::Unknown, tr("unknown"), tr("PostgreSQL could not be read"));
        return;
    }
    const int forcedOff = snapshot.instancesForcedOff();
    QString detail = snapshot.cachingStored ? tr("reads go through Redis and PostgreSQL")
                                            : tr("every read goes to Zoho (rollback)");
    if (forcedOff > 0)
        detail = tr("forced off on %1 by its environment").arg(instancesText(forcedOff));
    const State state = !snapshot.cachingStored ? State::Error : forcedOff > 0 ? State::Warning : State::Ok;
    m_cachingTile->setStatus(state, snapshot.cachingStored ? QStringLiteral("ON") : QStringLiteral("OFF"), detail);
}

void OverviewPage::showTraffic(const OverviewSnapshot &snapshot)
{
    if (!snapshot.redisOk)
        return;  // keep the last figures; the Redis tile says why they are not moving
    const StatsCounts total = snapshot.total();
    const quint64 requests = total.value(StatsCounter::Requests);
    m_hitRate->setText(requests > 0 ? tr("Hit rate: %1").arg(percentText(total.hitRate())) : tr("Hit rate: —"));
    m_requests->setText(tr("Requests: %1").arg(requests));
    m_coalesced->setText(tr("Coalesced: %1").arg(total.value(StatsCounter::Coalesced)));
    m_stale->setText(tr("Stale: %1").arg(total.value(StatsCounter::Stale)));
    // The organisation's budget: reads, syncs and webhook re-fetches of every instance.
    const QList<quint64> calls = snapshot.zohoCallsPerMinute();
    quint64 peak = 0;
    for (quint64 count : calls)
        peak = std::max(peak, count);
    const quint64 thisMinute = calls.isEmpty() ? 0 : calls.last();
    const ZohoCallCounts split = snapshot.zohoCallsAt(snapshot.minutes - 1);
    m_zohoCalls->setText(tr("Zoho calls: %1 this minute, peak %2 · limit %3/min (read %4 · sync %5 · webhook %6)")
                             .arg(thisMinute)
                             .arg(peak)
                             .arg(snapshot.zohoBudgetPerMinute, 0, 'f', 0)
                             .arg(split.value(ZohoCallPurpose::Read))
                             .arg(split.value(ZohoCallPurpose::Sync))
                             .arg(split.value(ZohoCallPurpose::Webhook)));

    QList<TimeSeriesChart::Series> hitRates;
    for (const OverviewSnapshot::Endpoint &endpoint : snapshot.endpoints) {
        TimeSeriesChart::Series series{endpoint.name, {}};
        for (const StatsCounts &minute : endpoint.perMinute)
            series.values.append(minute.value(StatsCounter::Requests) > 0 ? minute.hitRate() * 100.0
                                                                          : std::numeric_limits<double>::quiet_NaN());
        hitRates.append(series);
    }
    m_hitRateChart->setSeries(snapshot.firstMinute, hitRates);
    // The total is what meets the limit; one line per purpose says who spends it.
    const auto zohoSeries = [&snapshot](const QString &name, const QList<quint64> &counts) {
        TimeSeriesChart::Series series{name, {}};
        series.values.reserve(counts.size());
        for (quint64 count : counts)
            series.values.append(double(count));
        return series;
    };
    m_zohoChart->setLimit(snapshot.zohoBudgetPerMinute,
                          tr("Rate limit (%1/min)").arg(snapshot.zohoBudgetPerMinute, 0, 'f', 0));
    m_zohoChart->setSeries(snapshot.firstMinute,
                           {zohoSeries(tr("Total"), calls),
                            zohoSeries(tr("Read"), snapshot.zohoCallsPerMinute(ZohoCallPurpose::Read)),
                            zohoSeries(tr("Sync"), snapshot.zohoCallsPerMinute(ZohoCallPurpose::Sync)),
                            zohoSeries(tr("Webhook"), snapshot.zohoCallsPerMinute(ZohoCallPurpose::Webhook))});

    m_tierChart->setCounts({{tr("Redis"), total.value(StatsCounter::Redis)},
                            {tr("PostgreSQL"), total.value(StatsCounter::Postgres)},
                            {tr("Zoho"), total.value(StatsCounter::Zoho)},
                            {tr("Stale"), total.value(StatsCounter::Stale)},
                            {tr("Errors"), total.value(StatsCounter::Errors)}});

    QList<OverviewSnapshot::Endpoint> rows = snapshot.endpoints;
    OverviewSnapshot::Endpoint all;
    all.name = tr("Total");
    all.total = total;
    rows.append(all);
    m_endpoints->setRowCount(int(rows.size()));
    for (int row = 0; row < rows.size(); ++row) {
        const StatsCounts &c = rows.at(row).total;
        const quint64 n = c.value(StatsCounter::Requests);
        auto *name = new QTableWidgetItem(rows.at(row).name);
        if (row == rows.size() - 1) {
            QFont bold = name->font();
            bold.setBold(true);
            name->setFont(bold);
        }
        m_endpoints->setItem(row, NameColumn, name);
        m_endpoints->setItem(row, RequestsColumn, numberItem(QString::number(n)));
        m_endpoints->setItem(row, HitRateColumn, numberItem(n > 0 ? percentText(c.hitRate()) : QStringLiteral("—")));
        m_endpoints->setItem(row, RedisColumn, numberItem(QString::number(c.value(StatsCounter::Redis))));
        m_endpoints->setItem(row, PostgresColumn, numberItem(QString::number(c.value(StatsCounter::Postgres))));
        m_endpoints->setItem(row, ZohoColumn, numberItem(QString::number(c.value(StatsCounter::Zoho))));
        m_endpoints->setItem(row, StaleColumn, numberItem(QString::number(c.value(StatsCounter::Stale))));
        m_endpoints->setItem(row, ErrorsColumn, numberItem(QString::number(c.value(StatsCounter::Errors))));
        m_endpoints->setItem(row, CoalescedColumn, numberItem(QString::number(c.value(StatsCounter::Coalesced))));
        m_endpoints->setItem(row, P50Column, numberItem(latencyText(c.latencyQuantileUs(0.5), n > 0)));
        m_endpoints->setItem(row, P99Column, numberItem(latencyText(c.latencyQuantileUs(0.99), n > 0)));
    }
}

}  // namespace tiersync::ui
