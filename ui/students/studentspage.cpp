#include "students/studentspage.h"

#include "cache/endpointregistry.h"
#include "common/confirmer.h"
#include "common/pageheading.h"
#include "itemmodels/studentendpointmodel.h"
#include "server/readrequest.h"
#include "students/studentendpointdelegate.h"

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
#include <QTableView>
#include <QVBoxLayout>

namespace tiersync::ui {

namespace {

// "1 key", "5 keys": the console ships no translations, so a %n plural would read "key(s)".
QString plural(qint64 count, const QString &one, const QString &many)
{
    return QStringLiteral("%1 %2").arg(count).arg(count == 1 ? one : many);
}

QList<EndpointDefinition> registryEndpoints(QString *error)
{
    // The registry is compiled in: listing it is no I/O.
    auto registry = EndpointRegistry::builtIn();
    if (!registry) {
        *error = registry.error().message;
        return {};
    }
    return registry->endpoints();
}

QString prettyJson(const QByteArray &dataJson)
{
    const QJsonDocument document = QJsonDocument::fromJson(dataJson);
    if (document.isNull())
        return QString::fromUtf8(dataJson) + QObject::tr("\n\n(no record for this student)");
    return QString::fromUtf8(document.toJson(QJsonDocument::Indented));
}

}  // namespace

StudentsPage::StudentsPage(StudentReadService *service, Confirmer *confirmer, QWidget *parent)
    : QWidget(parent),
      m_service(service),
      m_confirmer(confirmer),
      m_id(new QLineEdit(this)),
      m_lookup(new QPushButton(tr("Look up"), this)),
      m_refreshAll(new QPushButton(tr("Force refresh all"), this)),
      m_refreshOne(new QPushButton(tr("Force refresh selected"), this)),
      m_invalidate(new QPushButton(tr("Invalidate student…"), this)),
      m_cancel(new QPushButton(tr("Cancel"), this)),
      m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)),
      m_model(nullptr),
      m_endpoints(new QTableView(this)),
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

    QString registryError;
    m_model = new StudentEndpointModel(registryEndpoints(&registryError), this);
    m_model->setObjectName(QStringLiteral("endpointModel"));
    if (!registryError.isEmpty())
        m_status->setText(registryError);
    m_endpoints->setModel(m_model);
    m_endpoints->setItemDelegate(new StudentEndpointDelegate(m_endpoints));
    m_endpoints->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_endpoints->setSelectionMode(QAbstractItemView::SingleSelection);
    m_endpoints->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_endpoints->setAlternatingRowColors(true);
    m_endpoints->verticalHeader()->hide();
    m_endpoints->horizontalHeader()->setStretchLastSection(true);
    m_endpoints->horizontalHeader()->setObjectName(QStringLiteral("endpointTableHeader"));
    m_endpoints->setColumnWidth(StudentEndpointModel::NameColumn, 130);
    m_endpoints->setColumnWidth(StudentEndpointModel::SourceColumn, 90);
    m_endpoints->setColumnWidth(StudentEndpointModel::AgeColumn, 100);
    m_endpoints->setColumnWidth(StudentEndpointModel::LatencyColumn, 90);
    m_endpoints->setColumnWidth(StudentEndpointModel::ResultColumn, 220);
    if (m_model->rowCount() > 0)
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
    connect(m_endpoints->selectionModel(), &QItemSelectionModel::selectionChanged, this, &StudentsPage::showSelected);
    // A lookup's answer changes the selected row's read too.
    connect(m_model, &QAbstractItemModel::dataChanged, this, &StudentsPage::showSelected);

    if (m_service) {
        connect(m_service, &StudentReadService::lookupFinished, this, &StudentsPage::onLookupFinished);
        connect(m_service, &StudentReadService::studentInvalidated, this, &StudentsPage::onInvalidated);
        connect(m_service, &StudentReadService::failed, this, &StudentsPage::onFailed);
    }
    setBusy(false);
    showSelected();
}

StudentsPage::~StudentsPage()
{
    cancelLookup();
}

void StudentsPage::setProfile(const ConnectionProfile &profile)
{
    if (!m_service)
        return;
    m_haveProfile = true;
    m_service->setProfile(profile);
    setBusy(m_busy);
}

void StudentsPage::lookUp(const QString &moodleUserId)
{
    m_id->setText(moodleUserId);
    startLookup({}, false);
}

bool StudentsPage::selectEndpoint(const QString &endpoint)
{
    const int row = m_model->rowOf(endpoint);
    if (row < 0)
        return false;
    m_endpoints->selectRow(row);
    return true;
}

QString StudentsPage::selectedEndpoint() const
{
    const QModelIndexList rows = m_endpoints->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(StudentEndpointModel::EndpointRole).toString();
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
    const bool ready = m_haveProfile && !busy;
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
    if (m_busy || !m_haveProfile)
        return;
    qint64 id = 0;
    if (!parseId(&id))
        return;
    m_model->showStudent(id);
    const int count = endpoint.isEmpty() ? m_model->rowCount() : 1;
    const QString what = endpoint.isEmpty() ? plural(count, tr("endpoint"), tr("endpoints")) : endpoint;
    setBusy(true, forceRefresh ? tr("Refreshing %1 of student %2 from Zoho…").arg(what).arg(id)
                               : tr("Reading %1 of student %2…").arg(what).arg(id));
    m_model->markReading(endpoint);
    m_requestId = m_service->lookup(id, endpoint, forceRefresh);
}

void StudentsPage::refreshSelected()
{
    const QString endpoint = selectedEndpoint();
    if (!endpoint.isEmpty())
        startLookup(endpoint, true);
}

void StudentsPage::cancelLookup()
{
    if (!m_busy)
        return;
    m_service->cancel(m_requestId);
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
        totalUs += read.latencyUs;
        if (!read.ok) {
            ++failures;
            if (firstError.isEmpty())
                firstError = tr("%1: %2").arg(read.endpoint, read.error);
        }
    }
    QString text = tr("Student %1: %2 read in %3")
                       .arg(lookup.moodleUserId)
                       .arg(plural(lookup.reads.size(), tr("endpoint"), tr("endpoints")),
                            StudentEndpointModel::latencyText(totalUs));
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
    m_model->applyLookup(lookup);  // shows the selected endpoint's read (dataChanged)
}

void StudentsPage::onFailed(StudentReadService::Request call, quint64 requestId, const ServiceError &error)
{
    if (requestId != m_requestId)
        return;
    if (call == StudentReadService::Request::Lookup) {
        m_model->abandonReading();
        setBusy(false, tr("Nothing was read. %1").arg(error.describe()));
    } else {
        setBusy(false, tr("Nothing was invalidated. %1").arg(error.describe()));
    }
}

void StudentsPage::showSelected()
{
    const QString endpoint = selectedEndpoint();
    if (!m_busy)
        m_refreshOne->setEnabled(m_haveProfile && !endpoint.isEmpty());
    const std::optional<StudentEndpointRead> read = endpoint.isEmpty() ? std::nullopt : m_model->readOf(endpoint);
    if (!read) {
        m_dataTitle->setText(endpoint.isEmpty() ? QString() : tr("%1 — not read yet").arg(endpoint));
        m_source->clear();
        m_data->clear();
        return;
    }
    const qint64 student = m_model->student();
    if (!read->ok) {
        m_dataTitle->setText(tr("%1 of student %2 — no answer").arg(endpoint).arg(student));
        m_source->setText(tr("latency %1").arg(StudentEndpointModel::latencyText(read->latencyUs)));
        m_data->setPlainText(read->error);
        return;
    }
    m_dataTitle->setText(tr("%1 of student %2 — %3")
                             .arg(endpoint)
                             .arg(student)
                             .arg(StudentEndpointModel::recordsText(read->dataJson)));
    m_source->setText(tr("source: %1 · cache age %2 · latency %3")
                          .arg(readSourceName(read->source), StudentEndpointModel::ageText(read->cacheAgeSeconds),
                               StudentEndpointModel::latencyText(read->latencyUs)));
    m_data->setPlainText(prettyJson(read->dataJson));
}

void StudentsPage::countStudentKeys()
{
    if (m_busy || !m_haveProfile)
        return;
    qint64 id = 0;
    if (!parseId(&id))
        return;
    setBusy(true, tr("Counting the Redis keys of student %1…").arg(id));
    m_requestId = m_service->invalidate(id, true);
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
                         setBusy(true, tr("Deleting the %1 of student %2…").arg(plural(keys, tr("key"), tr("keys"))).arg(moodleUserId));
                         m_requestId = m_service->invalidate(moodleUserId, false);
                     });
}

}  // namespace tiersync::ui
