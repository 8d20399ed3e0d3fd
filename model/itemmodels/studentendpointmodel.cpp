#include "itemmodels/studentendpointmodel.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace tiersync {

StudentEndpointModel::StudentEndpointModel(QList<EndpointDefinition> endpoints, QObject *parent)
    : QAbstractTableModel(parent)
{
    m_rows.reserve(endpoints.size());
    for (EndpointDefinition &endpoint : endpoints)
        m_rows.append({std::move(endpoint), std::nullopt, Mark::None});
}

StudentEndpointModel::~StudentEndpointModel() = default;

int StudentEndpointModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int StudentEndpointModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StudentEndpointModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(row, column);
    case Qt::ToolTipRole:
        if (column == NameColumn)
            return tr("Zoho module %1 · Redis TTL %2 s · PostgreSQL freshness %3 s")
                .arg(row.endpoint.zohoModule)
                .arg(row.endpoint.redisTtlSeconds)
                .arg(row.endpoint.pgFreshnessSeconds);
        if (column == ResultColumn && row.read && !row.read->ok && row.mark == Mark::None)
            return row.read->error;
        return {};
    case Qt::TextAlignmentRole:
        if (column == AgeColumn || column == LatencyColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case EndpointRole:
        return row.endpoint.name;
    case AnsweredRole:
        return row.read ? QVariant(row.read->ok) : QVariant();
    case SourceRole:
        return row.read && row.read->ok ? QVariant(int(row.read->source)) : QVariant();
    default:
        return {};
    }
}

QVariant StudentEndpointModel::display(const Row &row, int column) const
{
    const std::optional<StudentEndpointRead> &read = row.read;
    switch (column) {
    case NameColumn:
        return row.endpoint.name;
    case DescriptionColumn:
        return row.endpoint.description;
    case SourceColumn:
        if (!read)
            return QString();
        return read->ok ? readSourceName(read->source) : tr("—");
    case AgeColumn:
        return read && read->ok ? ageText(read->cacheAgeSeconds) : QString();
    case LatencyColumn:
        return read ? latencyText(read->latencyUs) : QString();
    case ResultColumn:
        if (row.mark == Mark::Reading)
            return tr("reading…");
        if (row.mark == Mark::Skipped)
            return tr("skipped (cancelled)");
        if (!read)
            return QString();
        return read->ok ? recordsText(read->dataJson) : tr("no answer (HTTP %1)").arg(read->httpStatus);
    default:
        return {};
    }
}

QVariant StudentEndpointModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Endpoint");
    case SourceColumn:
        return tr("Source");
    case AgeColumn:
        return tr("Cache age");
    case LatencyColumn:
        return tr("Latency");
    case ResultColumn:
        return tr("Result");
    case DescriptionColumn:
        return tr("Description");
    default:
        return {};
    }
}

QStringList StudentEndpointModel::endpoints() const
{
    QStringList names;
    for (const Row &row : m_rows)
        names.append(row.endpoint.name);
    return names;
}

int StudentEndpointModel::rowOf(const QString &endpoint) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).endpoint.name == endpoint)
            return i;
    }
    return -1;
}

std::optional<StudentEndpointRead> StudentEndpointModel::readOf(const QString &endpoint) const
{
    const int row = rowOf(endpoint);
    return row < 0 ? std::nullopt : m_rows.at(row).read;
}

void StudentEndpointModel::rowsChanged(int first, int last)
{
    if (first <= last)
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
}

void StudentEndpointModel::showStudent(qint64 moodleUserId)
{
    if (moodleUserId == m_student)
        return;
    m_student = moodleUserId;
    for (Row &row : m_rows) {
        row.read.reset();
        row.mark = Mark::None;
    }
    rowsChanged(0, int(m_rows.size()) - 1);
}

void StudentEndpointModel::markReading(const QString &endpoint)
{
    int first = int(m_rows.size());
    int last = -1;
    for (int i = 0; i < m_rows.size(); ++i) {
        Row &row = m_rows[i];
        if (endpoint.isEmpty() || row.endpoint.name == endpoint) {
            row.mark = Mark::Reading;
            first = std::min(first, i);
            last = std::max(last, i);
        } else if (row.mark == Mark::Skipped) {
            row.mark = Mark::None;  // a new lookup: the last one's skip no longer applies
            first = std::min(first, i);
            last = std::max(last, i);
        }
    }
    rowsChanged(first, last);
}

void StudentEndpointModel::applyLookup(const StudentLookup &lookup)
{
    if (lookup.moodleUserId != m_student)
        return;  // an answer about a student no longer shown
    for (const StudentEndpointRead &read : lookup.reads) {
        const int row = rowOf(read.endpoint);
        if (row < 0)
            continue;
        m_rows[row].read = read;
        m_rows[row].mark = Mark::None;
    }
    for (Row &row : m_rows) {
        if (row.mark == Mark::Reading)
            row.mark = lookup.cancelled ? Mark::Skipped : Mark::None;
    }
    rowsChanged(0, int(m_rows.size()) - 1);
}

void StudentEndpointModel::abandonReading()
{
    for (Row &row : m_rows) {
        if (row.mark == Mark::Reading)
            row.mark = Mark::None;
    }
    rowsChanged(0, int(m_rows.size()) - 1);
}

QString StudentEndpointModel::ageText(qint64 seconds)
{
    if (seconds < 60)
        return tr("%1 s").arg(seconds);
    if (seconds < 3600)
        return tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    return tr("%1 h %2 min").arg(seconds / 3600).arg(seconds % 3600 / 60);
}

QString StudentEndpointModel::latencyText(qint64 us)
{
    if (us < 10000)
        return tr("%1 ms").arg(double(us) / 1000.0, 0, 'f', 2);
    if (us < 1000000)
        return tr("%1 ms").arg(double(us) / 1000.0, 0, 'f', 1);
    return tr("%1 s").arg(double(us) / 1000000.0, 0, 'f', 2);
}

QString StudentEndpointModel::recordsText(const QByteArray &dataJson)
{
    const QJsonDocument document = QJsonDocument::fromJson(dataJson);
    if (document.isArray()) {
        // The console ships no translations, so a %n plural would read "record(s)".
        const qsizetype count = document.array().size();
        return count == 1 ? tr("1 record") : tr("%1 records").arg(count);
    }
    if (document.isObject())
        return tr("1 record");
    return tr("no record");
}

}  // namespace tiersync
