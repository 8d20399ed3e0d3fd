#include "students/studentspage.h"

#include "cache/endpointregistry.h"
#include "common/confirmer.h"
#include "common/pageheading.h"
#include "console/studentlookup.h"
#include "console/studentworker.h"
#include "server/readrequest.h"

#include <QColor>
#include <QCoreApplication>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace tiersync::ui {

namespace {

enum EndpointColumn { NameColumn, SourceColumn, AgeColumn, LatencyColumn, ResultColumn, DescriptionColumn,
                      EndpointColumnCount };

// "1 key", "5 keys": the console ships no translations, so a %n plural would read "key(s)".
QString plural(qint64 count, const QString &one, const QString &many)
{
    return QStringLiteral("%1 %2").arg(count).arg(count == 1 ? one : many);
}

QString ageText(qint64 seconds)
{
    if (seconds < 60)
        return QObject::tr("%1 s").arg(seconds);
    if (seconds < 3600)
        return QObject::tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    return QObject::tr("%1 h %2 min").arg(seconds / 3600).arg(seconds % 3600 / 60);
}

QString latencyText(qint64 us)
{
    if (us < 10000)
        return QObject::tr("%1 ms").arg(double(us) / 1000.0, 0, 'f', 2);
    if (us < 1000000)
        return QObject::tr("%1 ms").arg(double(us) / 1000.0, 0, 'f', 1);
    return QObject::tr("%1 s").arg(double(us) / 1000000.0, 0, 'f', 2);
}

// A colour per tier, so a glance down the column tells where answers came from.
QColor sourceColor(ReadSource source)
{
    switch (source) {
    case ReadSource::Redis:
        return QColor(0x2e, 0x7d, 0x32);
    case ReadSource::Postgres:
        return QColor(0x15, 0x65, 0xc0);
    case ReadSource::Zoho:
        return QColor(0xef, 0x6c, 0x00);
    case ReadSource::Stale:
        return QColor(0xc6, 0x28, 0x28);
    }
    return {};
}

QString recordsText(const QByteArray &dataJson)
{
    const QJsonDocument document = QJsonDocument::fromJson(dataJson);
    if (document.isArray())
        return plural(document.array().size(), QObject::tr("record"), QObject::tr("records"));
    if (document.isObject())
        return QObject::tr("1 record");
    return QObject::tr("no record");
}

QString prettyJson(const QByteArray &dataJson)
{
    const QJsonDocument document = QJsonDocument::fromJson(dataJson);
    if (document.isNull())
        return QString::fromUtf8(dataJson) + QObject::tr("\n\n(no record for this student)");
    return QString::fromUtf8(document.toJson(QJsonDocument::Indented));
}

}  // namespace

StudentsPage::StudentsPage(StudentWorker *worker, Confirmer *confirmer, QWidget *parent)
    : QWidget(parent),
      m_worker(worker),
      m_confirmer(confirmer),
      m_id(new QLineEdit(this)),
      m_lookup(new QPushButton(tr("Look up"), this)),
      m_refreshAll(new QPushButton(tr("Force refresh all"), this)),
      m_refreshOne(new QPushButton(tr("Force refresh selected"), this)),
      m_invalidate(new QPushButton(tr("Invalidate student…"), this)),
      m_cancel(new QPushButton(tr("Cancel"), this)),
      m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)),
      m_endpoints(new QTableWidget(this)),
      m_dataTitle(new QLabel(this)),
      m_source(new QLabel(this)),
      m_data(new QPlainTextEdit(this))
{
    m_id->setObjectName(QStringLiteral("moodleUserId"));
    m_lookup->setObjectName(QStringLiteral("lookupButton"));
    m_refreshAll->setObjectName(QStringLiteral("refreshAllButton"));
    m_refreshOne->setObjectName(QStringLiteral("refreshEndpointButton"));
    m_invalidate->setObjectName(QStringLiteral("invalidateStudentButton"));
    m_cancel->setObjectName(QStringLiteral("cancelLookupButton"));
    m_progress->setObjectName(QStringLiteral("lookupProgress"));
    m_status->setObjectName(QStringLiteral("studentStatus"));
    m_endpoints->setObjectName(QStringLiteral("endpointTable"));
    m_dataTitle->setObjectName(QStringLiteral("dataTitle"));
    m_source->setObjectName(QStringLiteral("sourceLabel"));
    m_data->setObjectName(QStringLiteral("endpointData"));

    m_id->setPlaceholderText(tr("Moodle user id, e.g. 42"));
    m_id->setClearButtonEnabled(true);
    m_id->setMaximumWidth(260);
    m_refreshAll->setToolTip(tr("Read every endpoint from Zoho now, skipping Redis and PostgreSQL "
                                "(as ?force_refresh=true does), and store the answers."));
    m_refreshOne->setToolTip(tr("Read the selected endpoint from Zoho now."));
    m_invalidate->setToolTip(tr("Delete this student's endpoint keys from Redis (counted first)."));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    m_progress->setMaximumWidth(120);
    // Shown only while reading; the buttons beside it must not move when it hides.
    QSizePolicy keepSpace = m_progress->sizePolicy();
    keepSpace.setRetainSizeWhenHidden(true);
    m_progress->setSizePolicy(keepSpace);
    m_status->setWordWrap(true);
    m_status->setText(tr("Enter a Moodle user id and press Look up."));

    // The registry is compiled in: listing it is no I/O.
    auto registry = EndpointRegistry::builtIn();
    if (registry) {
        for (const EndpointDefinition &definition : registry->endpoints())
            m_endpointNames.append(definition.name);
    } else {
        m_status->setText(registry.error().message);
    }
    m_endpoints->setColumnCount(EndpointColumnCount);
    m_endpoints->setHorizontalHeaderLabels(
        {tr("Endpoint"), tr("Source"), tr("Cache age"), tr("Latency"), tr("Result"), tr("Description")});
    m_endpoints->setRowCount(int(m_endpointNames.size()));
    for (int row = 0; row < m_endpointNames.size(); ++row) {
        auto *name = new QTableWidgetItem(m_endpointNames.at(row));
        QFont bold = name->font();
        bold.setBold(true);
        name->setFont(bold);
        m_endpoints->setItem(row, NameColumn, name);
        for (int column = SourceColumn; column < EndpointColumnCount; ++column)
            m_endpoints->setItem(row, column, new QTableWidgetItem);
        const EndpointDefinition &definition = registry->endpoints().at(row);
        m_endpoints->item(row, DescriptionColumn)->setText(definition.description);
        m_endpoints->item(row, NameColumn)->setToolTip(
            tr("Zoho module %1 · Redis TTL %2 s · PostgreSQL freshness %3 s")
                .arg(definition.zohoModule)
                .arg(definition.redisTtlSeconds)
                .arg(definition.pgFreshnessSeconds));
        for (int column : {AgeColumn, LatencyColumn})
            m_endpoints->item(row, column)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    m_endpoints->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_endpoints->setSelectionMode(QAbstractItemView::SingleSelection);
    m_endpoints->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_endpoints->setAlternatingRowColors(true);
    m_endpoints->verticalHeader()->hide();
    m_endpoints->horizontalHeader()->setStretchLastSection(true);
    m_endpoints->horizontalHeader()->setObjectName(QStringLiteral("endpointTableHeader"));
    m_endpoints->setColumnWidth(NameColumn, 130);
    m_endpoints->setColumnWidth(SourceColumn, 90);
    m_endpoints->setColumnWidth(AgeColumn, 100);
    m_endpoints->setColumnWidth(LatencyColumn, 90);
    m_endpoints->setColumnWidth(ResultColumn, 220);
    if (!m_endpointNames.isEmpty())
        m_endpoints->selectRow(0);

    m_data->setReadOnly(true);
    m_data->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_data->setPlaceholderText(tr("The selected endpoint's data (JSON) appears here."));
    QFont titleFont = m_dataTitle->font();
    titleFont.setBold(true);
    m_dataTitle->setFont(titleFont);

    auto *subtitle = new QLabel(tr("Each dashboard endpoint of one Moodle user, read through the cache exactly "
                                   "as the HTTP API serves it."),
                                this);
    subtitle->setObjectName(QStringLiteral("studentsSubtitle"));
    subtitle->setWordWrap(true);
    auto *idLabel = new QLabel(tr("Moodle user id:"), this);
    idLabel->setObjectName(QStringLiteral("moodleUserIdLabel"));
    idLabel->setBuddy(m_id);

    auto *lookupRow = new QHBoxLayout;
    lookupRow->addWidget(idLabel);
    lookupRow->addWidget(m_id);
    lookupRow->addWidget(m_lookup);
    lookupRow->addSpacing(12);
    lookupRow->addWidget(m_refreshAll);
    lookupRow->addWidget(m_refreshOne);
    lookupRow->addWidget(m_invalidate);
    lookupRow->addWidget(m_cancel);
    lookupRow->addWidget(m_progress);
    lookupRow->addStretch(1);

    auto *dataPane = new QWidget(this);
    dataPane->setObjectName(QStringLiteral("dataPane"));
    auto *dataLayout = new QVBoxLayout(dataPane);
    dataLayout->setContentsMargins(0, 0, 0, 0);
    auto *dataHeader = new QHBoxLayout;
    dataHeader->addWidget(m_dataTitle);
    dataHeader->addStretch(1);
    dataHeader->addWidget(m_source);
    dataLayout->addLayout(dataHeader);
    dataLayout->addWidget(m_data, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("studentsSplit"));
    split->addWidget(m_endpoints);
    split->addWidget(dataPane);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    // Room for every endpoint's row and no more; the data pane takes the rest.
    const int tableHeight = m_endpoints->horizontalHeader()->sizeHint().height()
                            + m_endpoints->verticalHeader()->length() + 2 * m_endpoints->frameWidth() + 4;
    split->setSizes({tableHeight, 4 * tableHeight});

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(pageHeading(tr("Students"), QStringLiteral("studentsTitle"), this));
    layout->addWidget(subtitle);
    layout->addLayout(lookupRow);
    layout->addWidget(m_status);
    layout->addWidget(split, 1);

    connect(m_lookup, &QPushButton::clicked, this, [this] { startLookup({}, false); });
    connect(m_id, &QLineEdit::returnPressed, this, [this] { startLookup({}, false); });
    connect(m_refreshAll, &QPushButton::clicked, this, [this] { startLookup({}, true); });
    connect(m_refreshOne, &QPushButton::clicked, this, &StudentsPage::refreshSelected);
    connect(m_invalidate, &QPushButton::clicked, this, &StudentsPage::countStudentKeys);
    connect(m_cancel, &QPushButton::clicked, this, &StudentsPage::cancelLookup);
    connect(m_endpoints, &QTableWidget::itemSelectionChanged, this, &StudentsPage::showSelected);

    if (m_worker) {
        connect(this, &StudentsPage::profileChanged, m_worker, &StudentWorker::setProfile, Qt::QueuedConnection);
        connect(this, &StudentsPage::lookupRequested, m_worker, &StudentWorker::lookup, Qt::QueuedConnection);
        connect(this, &StudentsPage::invalidateRequested, m_worker, &StudentWorker::invalidate, Qt::QueuedConnection);
        connect(m_worker, &StudentWorker::lookupFinished, this, &StudentsPage::onLookupFinished, Qt::QueuedConnection);
        connect(m_worker, &StudentWorker::lookupFailed, this, &StudentsPage::onLookupFailed, Qt::QueuedConnection);
        connect(m_worker, &StudentWorker::studentInvalidated, this, &StudentsPage::onInvalidated, Qt::QueuedConnection);
        connect(m_worker, &StudentWorker::invalidationFailed, this, &StudentsPage::onInvalidationFailed,
                Qt::QueuedConnection);
    }
    // The worker's thread is joined at shutdown: skip what is left of a lookup.
    connect(QCoreApplication::instance(), &QCoreApplication::aboutToQuit, this, &StudentsPage::cancelLookup);
    setBusy(false);
    showSelected();
}

StudentsPage::~StudentsPage()
{
    cancelLookup();
}

void StudentsPage::setProfile(const ConnectionProfile &profile)
{
    m_haveProfile = true;
    Q_EMIT profileChanged(profile);
    setBusy(m_busy);
}

void StudentsPage::lookUp(const QString &moodleUserId)
{
    m_id->setText(moodleUserId);
    startLookup({}, false);
}

bool StudentsPage::selectEndpoint(const QString &endpoint)
{
    const int row = int(m_endpointNames.indexOf(endpoint));
    if (row < 0)
        return false;
    m_endpoints->selectRow(row);
    return true;
}

QString StudentsPage::selectedEndpoint() const
{
    const int row = m_endpoints->currentRow();
    return row >= 0 && row < m_endpointNames.size() ? m_endpointNames.at(row) : QString();
}

bool StudentsPage::parseId(qint64 *moodleUserId)
{
    // The HTTP server's own check, so the console accepts exactly the ids the API does.
    const Result<qint64> id = ReadRequest::parseMoodleUserId(m_id->text().trimmed());
    if (!id) {
        m_status->setText(tr("That is not a Moodle user id: %1.").arg(id.error().message));
        return false;
    }
    *moodleUserId = *id;
    return true;
}

void StudentsPage::setBusy(bool busy, const QString &status)
{
    m_busy = busy;
    const bool ready = m_worker && m_haveProfile && !busy;
    m_lookup->setEnabled(ready);
    m_refreshAll->setEnabled(ready);
    m_refreshOne->setEnabled(ready && !selectedEndpoint().isEmpty());
    m_invalidate->setEnabled(ready);
    m_id->setReadOnly(busy);
    m_cancel->setEnabled(busy);
    m_progress->setRange(0, busy ? 0 : 1);  // busy: an indeterminate bar
    m_progress->setValue(0);
    m_progress->setVisible(busy);
    if (!status.isEmpty())
        m_status->setText(status);
}

void StudentsPage::startLookup(const QString &endpoint, bool forceRefresh)
{
    if (m_busy || !m_worker || !m_haveProfile)
        return;
    qint64 id = 0;
    if (!parseId(&id))
        return;
    if (id != m_shownId) {
        m_reads.clear();
        m_shownId = id;
        for (int row = 0; row < m_endpointNames.size(); ++row) {
            for (int column = SourceColumn; column < DescriptionColumn; ++column) {
                m_endpoints->item(row, column)->setText({});
                m_endpoints->item(row, column)->setToolTip({});
            }
        }
        showSelected();
    }
    ++m_requestId;
    const int count = endpoint.isEmpty() ? int(m_endpointNames.size()) : 1;
    const QString what = endpoint.isEmpty() ? plural(count, tr("endpoint"), tr("endpoints")) : endpoint;
    setBusy(true, forceRefresh ? tr("Refreshing %1 of student %2 from Zoho…").arg(what).arg(id)
                               : tr("Reading %1 of student %2…").arg(what).arg(id));
    for (int row = 0; row < m_endpointNames.size(); ++row) {
        if (endpoint.isEmpty() || m_endpointNames.at(row) == endpoint)
            m_endpoints->item(row, ResultColumn)->setText(tr("reading…"));
    }
    Q_EMIT lookupRequested(m_requestId, id, endpoint, forceRefresh);
}

void StudentsPage::refreshSelected()
{
    const QString endpoint = selectedEndpoint();
    if (!endpoint.isEmpty())
        startLookup(endpoint, true);
}

void StudentsPage::cancelLookup()
{
    if (!m_busy || !m_worker)
        return;
    // Direct call: the worker's thread is busy reading; cancel() is thread-safe.
    m_worker->cancel(m_requestId);
    m_cancel->setEnabled(false);
    m_status->setText(tr("Cancelling: the read under way finishes, the others are skipped."));
}

void StudentsPage::onLookupFinished(const StudentLookup &lookup)
{
    if (lookup.requestId != m_requestId)
        return;
    qint64 totalUs = 0;
    int failures = 0;
    QString firstError;
    for (const StudentEndpointRead &read : lookup.reads) {
        const int row = int(m_endpointNames.indexOf(read.endpoint));
        m_reads.insert(read.endpoint, read);
        if (row >= 0)
            showRow(row, read);
        totalUs += read.latencyUs;
        if (!read.ok) {
            ++failures;
            if (firstError.isEmpty())
                firstError = tr("%1: %2").arg(read.endpoint, read.error);
        }
    }
    for (int row = 0; row < m_endpointNames.size(); ++row) {
        if (m_endpoints->item(row, ResultColumn)->text() == tr("reading…"))
            m_endpoints->item(row, ResultColumn)->setText(lookup.cancelled ? tr("skipped (cancelled)") : QString());
    }
    QString text = tr("Student %1: %2 read in %3")
                       .arg(lookup.moodleUserId)
                       .arg(plural(lookup.reads.size(), tr("endpoint"), tr("endpoints")), latencyText(totalUs));
    if (lookup.forceRefresh)
        text += tr(", refreshed from Zoho");
    text += QLatin1Char('.');
    if (lookup.cancelled)
        text += tr(" Cancelled before the rest.");
    if (!lookup.cachingEnabled)
        text += tr(" Caching is off: every read goes to Zoho and nothing is stored in Redis.");
    if (failures > 0)
        text += tr(" %1 without an answer — %2").arg(failures).arg(firstError);
    setBusy(false, text);
    showSelected();
}

void StudentsPage::onLookupFailed(quint64 requestId, const QString &message)
{
    if (requestId != m_requestId)
        return;
    for (int row = 0; row < m_endpointNames.size(); ++row) {
        if (m_endpoints->item(row, ResultColumn)->text() == tr("reading…"))
            m_endpoints->item(row, ResultColumn)->setText({});
    }
    setBusy(false, tr("Nothing was read. %1").arg(message));
}

void StudentsPage::showRow(int row, const StudentEndpointRead &read)
{
    QTableWidgetItem *source = m_endpoints->item(row, SourceColumn);
    QTableWidgetItem *age = m_endpoints->item(row, AgeColumn);
    QTableWidgetItem *result = m_endpoints->item(row, ResultColumn);
    m_endpoints->item(row, LatencyColumn)->setText(latencyText(read.latencyUs));
    if (read.ok) {
        source->setText(readSourceName(read.source));
        source->setForeground(sourceColor(read.source));
        QFont bold = source->font();
        bold.setBold(true);
        source->setFont(bold);
        age->setText(ageText(read.cacheAgeSeconds));
        result->setText(recordsText(read.dataJson));
        result->setForeground(palette().text());
        result->setToolTip({});
    } else {
        source->setText(tr("—"));
        source->setForeground(palette().text());
        age->setText({});
        result->setText(tr("no answer (HTTP %1)").arg(read.httpStatus));
        result->setForeground(sourceColor(ReadSource::Stale));
        result->setToolTip(read.error);
    }
}

void StudentsPage::showSelected()
{
    const QString endpoint = selectedEndpoint();
    if (!m_busy)
        m_refreshOne->setEnabled(m_worker && m_haveProfile && !endpoint.isEmpty());
    const auto found = m_reads.constFind(endpoint);
    if (endpoint.isEmpty() || found == m_reads.cend()) {
        m_dataTitle->setText(endpoint.isEmpty() ? QString() : tr("%1 — not read yet").arg(endpoint));
        m_source->clear();
        m_data->clear();
        return;
    }
    const StudentEndpointRead &read = *found;
    if (!read.ok) {
        m_dataTitle->setText(tr("%1 of student %2 — no answer").arg(endpoint).arg(m_shownId));
        m_source->setText(tr("latency %1").arg(latencyText(read.latencyUs)));
        m_data->setPlainText(read.error);
        return;
    }
    m_dataTitle->setText(tr("%1 of student %2 — %3").arg(endpoint).arg(m_shownId).arg(recordsText(read.dataJson)));
    m_source->setText(tr("source: %1 · cache age %2 · latency %3")
                          .arg(readSourceName(read.source), ageText(read.cacheAgeSeconds), latencyText(read.latencyUs)));
    m_data->setPlainText(prettyJson(read.dataJson));
}

void StudentsPage::countStudentKeys()
{
    if (m_busy || !m_worker || !m_haveProfile)
        return;
    qint64 id = 0;
    if (!parseId(&id))
        return;
    ++m_requestId;
    setBusy(true, tr("Counting the Redis keys of student %1…").arg(id));
    Q_EMIT invalidateRequested(m_requestId, id, true);
}

void StudentsPage::onInvalidated(quint64 requestId, qint64 moodleUserId, bool dryRun, qint64 keys)
{
    if (requestId != m_requestId)
        return;
    if (!dryRun) {
        setBusy(false, tr("Invalidated student %1: %2 deleted from Redis. The next read comes from PostgreSQL or Zoho.")
                           .arg(moodleUserId)
                           .arg(plural(keys, tr("key"), tr("keys"))));
        return;
    }
    if (keys == 0) {
        setBusy(false, tr("Student %1 has no keys in Redis: nothing to invalidate (dry run).").arg(moodleUserId));
        return;
    }
    setBusy(false, tr("Dry run: %1 of student %2 in Redis; waiting for confirmation.")
                       .arg(plural(keys, tr("key"), tr("keys")))
                       .arg(moodleUserId));
    m_confirmer->ask(this, tr("Invalidate student"),
                     tr("Delete the %1 of student %2 from Redis?\n\nOnly this student's endpoint keys go, by "
                        "name. The next read of each endpoint is answered from PostgreSQL or Zoho and cached again.")
                         .arg(plural(keys, tr("cached key"), tr("cached keys")))
                         .arg(moodleUserId),
                     tr("Delete %1").arg(plural(keys, tr("key"), tr("keys"))), [this, moodleUserId, keys](bool confirmed) {
                         if (!confirmed) {
                             m_status->setText(tr("Invalidation cancelled: the %1 of student %2 stay.")
                                                   .arg(plural(keys, tr("key"), tr("keys")))
                                                   .arg(moodleUserId));
                             return;
                         }
                         if (m_busy)
                             return;
                         ++m_requestId;
                         setBusy(true, tr("Deleting the %1 of student %2…").arg(plural(keys, tr("key"), tr("keys"))).arg(moodleUserId));
                         Q_EMIT invalidateRequested(m_requestId, moodleUserId, false);
                     });
}

void StudentsPage::onInvalidationFailed(quint64 requestId, const QString &message)
{
    if (requestId != m_requestId)
        return;
    setBusy(false, tr("Nothing was invalidated. %1").arg(message));
}

}  // namespace tiersync::ui
