#include "itemmodels/keylistmodel.h"

#include <algorithm>

namespace tiersync {

KeyListModel::KeyListModel(QObject *parent) : QAbstractListModel(parent) {}

KeyListModel::~KeyListModel() = default;

int KeyListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_keys.size());
}

QVariant KeyListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QByteArray &key = m_keys.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        return QString::fromUtf8(key);
    case KeyRole:
        return key;
    default:
        return {};
    }
}

QVariant KeyListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role == Qt::DisplayRole && orientation == Qt::Horizontal && section == 0)
        return tr("Key");
    return {};
}

QHash<int, QByteArray> KeyListModel::roleNames() const
{
    auto names = QAbstractListModel::roleNames();
    names.insert(KeyRole, "key");
    return names;
}

bool KeyListModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_fetching && !m_atEnd && !m_failed;
}

void KeyListModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    m_fetching = true;
    Q_EMIT fetchRequested();
}

void KeyListModel::reserve(qsizetype keys)
{
    if (keys <= m_seen.capacity())
        return;
    m_seen.reserve(keys);
    m_keys.reserve(keys);
}

void KeyListModel::restart()
{
    beginResetModel();
    m_keys.clear();
    m_seen.clear();
    m_fetching = false;
    m_atEnd = false;
    m_failed = false;
    endResetModel();
}

QList<QByteArray> KeyListModel::appendPage(const QList<QByteArray> &keys, bool atEnd)
{
    m_fetching = false;
    m_atEnd = atEnd;
    QList<QByteArray> fresh;
    fresh.reserve(keys.size());
    for (const QByteArray &key : keys) {
        if (!m_seen.contains(key)) {
            m_seen.insert(key);
            fresh.append(key);
        }
    }
    if (!fresh.isEmpty()) {
        const int first = int(m_keys.size());
        beginInsertRows({}, first, first + int(fresh.size()) - 1);
        m_keys.append(fresh);
        endInsertRows();
    }
    return fresh;
}

void KeyListModel::pageFailed()
{
    m_fetching = false;
    m_failed = true;
}

void KeyListModel::removeKeys(const QList<QByteArray> &keys)
{
    QSet<QByteArray> doomed;
    for (const QByteArray &key : keys) {
        if (m_seen.remove(key))
            doomed.insert(key);
    }
    if (doomed.isEmpty())
        return;
    QList<int> rows;
    for (int row = 0; row < m_keys.size() && rows.size() < doomed.size(); ++row) {
        if (doomed.contains(m_keys.at(row)))
            rows.append(row);
    }
    // Remove from the bottom in contiguous runs, so each signal names rows that still
    // exist and a selection of neighbours is one signal.
    std::sort(rows.begin(), rows.end(), std::greater<>());
    qsizetype i = 0;
    while (i < rows.size()) {
        int last = rows.at(i);
        int first = last;
        while (i + 1 < rows.size() && rows.at(i + 1) == first - 1) {
            ++i;
            first = rows.at(i);
        }
        beginRemoveRows({}, first, last);
        m_keys.remove(first, last - first + 1);
        endRemoveRows();
        ++i;
    }
}

QByteArray KeyListModel::keyAt(int row) const
{
    return row >= 0 && row < m_keys.size() ? m_keys.at(row) : QByteArray();
}

}  // namespace tiersync
