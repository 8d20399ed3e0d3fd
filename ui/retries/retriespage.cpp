#include "retries/retriespage.h"

#include "charts/timeserieschart.h"
#include "common/pageheading.h"
#include "common/pagepoller.h"
#include "console/retrylogupdate.h"
#include "console/statisticsservice.h"
#include "core/error.h"
#include "itemmodels/retryeventfiltermodel.h"
#include "itemmodels/retryeventmodel.h"

#include <QComboBox>
#include <QDateTime>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace tiersync::ui {

namespace {

enum CircuitColumn { InstanceColumn, CircuitStateColumn, InFlightColumn, QueuedColumn, CachingColumn,
                     LastSeenColumn, CircuitColumnCount };

QString circuitText(const QString &state)
{
    if (state == QLatin1String("closed"))
        return QObject::tr("Closed");
    if (state == QLatin1String("open"))
        return QObject::tr("Open — calls fail fast");
    if (state == QLatin1String("half_open"))
        return QObject::tr("Half-open — probing");
    return state;
}

}  // namespace

RetriesPage::RetriesPage(StatisticsService *service, QWidget *parent)
    : QWidget(parent),
      m_service(service),
      m_model(new RetryEventModel(this)),
      m_filter(new RetryEventFilterModel(this)),
      m_targetFilter(new QLineEdit(this)),
      m_errorClassFilter(new QComboBox(this)),
      m_outcomeFilter(new QComboBox(this)),
      m_count(new QLabel(this)),
      m_events(new QTableView(this)),
      m_chart(new TimeSeriesChart(tr("Retries per minute, last hour"), tr("Retries / min"), this)),
      m_circuits(new QTableWidget(this)),
      m_circuitSummary(new QLabel(this)),
      m_status(new QLabel(this)),
      m_poller(new PagePoller(this, kPollIntervalMs, QStringLiteral("retriesPollTimer"),
                              [this] { m_service->loadRetryLog(); }))
{
    m_model->setObjectName(QStringLiteral("retryEventModel"));
    m_filter->setObjectName(QStringLiteral("retryFilterModel"));
    m_targetFilter->setObjectName(QStringLiteral("targetFilter"));
    m_errorClassFilter->setObjectName(QStringLiteral("errorClassFilter"));
    m_outcomeFilter->setObjectName(QStringLiteral("outcomeFilter"));
    m_count->setObjectName(QStringLiteral("retryCountLabel"));
    m_events->setObjectName(QStringLiteral("retryLog"));
    m_chart->setObjectName(QStringLiteral("retriesChart"));
    m_circuits->setObjectName(QStringLiteral("circuitTable"));
    m_circuitSummary->setObjectName(QStringLiteral("circuitSummary"));
    m_status->setObjectName(QStringLiteral("retriesStatusLabel"));

    m_filter->setSourceModel(m_model);
    m_targetFilter->setPlaceholderText(tr("Filter by target, e.g. /books/v3/items"));
    m_targetFilter->setClearButtonEnabled(true);
    m_errorClassFilter->addItem(tr("Any error class"), QString());
    // The classes the Zoho client reports (errorKindName); the list is compiled in.
    for (ErrorKind kind : {ErrorKind::Timeout, ErrorKind::Unavailable, ErrorKind::Server, ErrorKind::RateLimited,
                           ErrorKind::Auth, ErrorKind::Protocol, ErrorKind::CircuitOpen, ErrorKind::NotFound,
                           ErrorKind::InvalidArgument, ErrorKind::Cancelled, ErrorKind::Internal}) {
        const QString name = errorKindName(kind);
        m_errorClassFilter->addItem(name, name);
    }
    m_outcomeFilter->addItem(tr("Any outcome"), QString());
    m_outcomeFilter->addItem(QStringLiteral("retry"), QStringLiteral("retry"));
    m_outcomeFilter->setItemData(1, tr("Another attempt followed"), Qt::ToolTipRole);
    m_outcomeFilter->addItem(QStringLiteral("gave_up"), QStringLiteral("gave_up"));
    m_outcomeFilter->setItemData(2, tr("The attempts were exhausted: the call failed"), Qt::ToolTipRole);
    m_outcomeFilter->addItem(QStringLiteral("not_retried"), QStringLiteral("not_retried"));
    m_outcomeFilter->setItemData(3, tr("Not a transient error: no retry"), Qt::ToolTipRole);

    m_events->setModel(m_filter);
    m_events->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_events->setAlternatingRowColors(true);
    m_events->setWordWrap(false);
    m_events->verticalHeader()->hide();
    m_events->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_events->horizontalHeader()->setSectionResizeMode(RetryEventModel::TargetColumn, QHeaderView::Stretch);

    m_circuits->setColumnCount(CircuitColumnCount);
    m_circuits->setHorizontalHeaderLabels(
        {tr("Instance"), tr("Circuit"), tr("In flight"), tr("Queued"), tr("Caching"), tr("Last seen")});
    m_circuits->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_circuits->setSelectionMode(QAbstractItemView::NoSelection);
    m_circuits->verticalHeader()->hide();
    m_circuits->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_circuits->horizontalHeader()->setStretchLastSection(true);
    m_circuits->setWordWrap(false);
    m_circuitSummary->setWordWrap(true);
    m_status->setWordWrap(true);
    m_count->setStyleSheet(QStringLiteral("QLabel { color: #7f8c8d; }"));

    QLabel *title = pageHeading(tr("Retries — every failed Zoho attempt, live"), QStringLiteral("retriesTitle"), this);

    auto *filters = new QHBoxLayout;
    filters->addWidget(m_targetFilter, 1);
    filters->addWidget(m_errorClassFilter);
    filters->addWidget(m_outcomeFilter);
    filters->addWidget(m_count);

    auto *logBox = new QWidget(this);
    logBox->setObjectName(QStringLiteral("retryLogBox"));
    auto *logLayout = new QVBoxLayout(logBox);
    logLayout->setContentsMargins(0, 0, 0, 0);
    logLayout->addLayout(filters);
    logLayout->addWidget(m_events, 1);

    auto *circuitBox = new QGroupBox(tr("Circuit breaker per instance"), this);
    circuitBox->setObjectName(QStringLiteral("circuitBox"));
    auto *circuitLayout = new QVBoxLayout(circuitBox);
    circuitLayout->addWidget(m_circuitSummary);
    circuitLayout->addWidget(m_circuits, 1);

    auto *side = new QSplitter(Qt::Vertical, this);
    side->setObjectName(QStringLiteral("retriesSideSplit"));
    side->addWidget(m_chart);
    side->addWidget(circuitBox);

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("retriesSplit"));
    split->addWidget(logBox);
    split->addWidget(side);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({720, 440});

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);

    connect(m_targetFilter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_filter->setTargetText(text.trimmed());
        updateCount();
    });
    connect(m_errorClassFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setErrorClass(m_errorClassFilter->currentData().toString());
        updateCount();
    });
    connect(m_outcomeFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setOutcome(m_outcomeFilter->currentData().toString());
        updateCount();
    });
    if (m_service)
        connect(m_service, &StatisticsService::retryLogLoaded, this, &RetriesPage::onLoaded);
    m_circuitSummary->setText(tr("Waiting for a connection profile…"));
    updateCount();
}

RetriesPage::~RetriesPage() = default;

void RetriesPage::setProfile(const ConnectionProfile &profile)
{
    if (!m_service)
        return;
    m_service->setProfile(profile);
    m_poller->start();
}

void RetriesPage::refresh()
{
    m_poller->poll();  // idle until setProfile started it
}

void RetriesPage::onLoaded(const RetryLogUpdate &update)
{
    m_poller->finished();
    if (update.logOk) {
        if (update.reset)
            m_model->setEvents(update.added);
        else
            m_model->addEvents(update.added);
        m_status->clear();
    } else {
        m_status->setText(tr("Could not load the retry log: %1").arg(update.logMessage));
    }
    QList<double> perMinute;
    perMinute.reserve(update.retriesPerMinute.size());
    for (int count : update.retriesPerMinute)
        perMinute.append(double(count));
    if (!perMinute.isEmpty())
        m_chart->setSeries(update.firstMinute, {{tr("Retries"), perMinute}});
    showInstances(update);
    updateCount();
}

void RetriesPage::showInstances(const RetryLogUpdate &update)
{
    if (!update.instancesKnown) {
        m_circuitSummary->setText(tr("Circuit state unknown: %1").arg(update.instancesMessage));
        return;
    }
    m_circuits->setRowCount(int(update.instances.size()));
    int notClosed = 0;
    for (int row = 0; row < update.instances.size(); ++row) {
        const InstanceHeartbeat &instance = update.instances.at(row);
        notClosed += instance.circuit != QLatin1String("closed") ? 1 : 0;
        m_circuits->setItem(row, InstanceColumn,
                            new QTableWidgetItem(QStringLiteral("%1 (pid %2)").arg(instance.host).arg(instance.pid)));
        auto *circuit = new QTableWidgetItem(circuitText(instance.circuit));
        circuit->setForeground(instance.circuit == QLatin1String("closed") ? QColor(0x27, 0xae, 0x60)
                               : instance.circuit == QLatin1String("open") ? QColor(0xc0, 0x39, 0x2b)
                                                                           : QColor(0xe6, 0x7e, 0x22));
        m_circuits->setItem(row, CircuitStateColumn, circuit);
        m_circuits->setItem(row, InFlightColumn, new QTableWidgetItem(QString::number(instance.zohoInFlight)));
        m_circuits->setItem(row, QueuedColumn, new QTableWidgetItem(QString::number(instance.zohoQueued)));
        m_circuits->setItem(row, CachingColumn,
                            new QTableWidgetItem(instance.cachingForcedOff ? tr("forced off")
                                                 : instance.cachingEnabled ? tr("on")
                                                                           : tr("off")));
        m_circuits->setItem(row, LastSeenColumn,
                            new QTableWidgetItem(QDateTime::fromMSecsSinceEpoch(instance.lastSeenMs)
                                                     .toString(QStringLiteral("HH:mm:ss"))));
    }
    if (update.instances.isEmpty())
        m_circuitSummary->setText(tr("No engine instance is running (none reported in the last 10 s)."));
    else if (notClosed == 0)
        m_circuitSummary->setText(tr("All %1 instance(s): circuit closed, Zoho calls go through.")
                                      .arg(update.instances.size()));
    else
        m_circuitSummary->setText(tr("%1 of %2 instance(s) have an open or half-open circuit: their Zoho calls "
                                     "fail fast until a probe succeeds.")
                                      .arg(notClosed)
                                      .arg(update.instances.size()));
}

void RetriesPage::updateCount()
{
    m_count->setText(tr("%1 of %2 shown").arg(m_filter->rowCount()).arg(m_model->rowCount()));
}

}  // namespace tiersync::ui
