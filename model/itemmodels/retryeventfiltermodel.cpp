#include "itemmodels/retryeventfiltermodel.h"

#include "itemmodels/retryeventmodel.h"

#include <QDateTime>

namespace tiersync {

RetryEventFilterModel::RetryEventFilterModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    sort(RetryEventModel::TimeColumn, Qt::DescendingOrder);
}

RetryEventFilterModel::~RetryEventFilterModel() = default;

void RetryEventFilterModel::setTargetText(const QString &text)
{
    if (text == m_targetText)
        return;
    m_targetText = text;
    invalidateFilter();
}

void RetryEventFilterModel::setErrorClass(const QString &errorClass)
{
    if (errorClass == m_errorClass)
        return;
    m_errorClass = errorClass;
    invalidateFilter();
}

void RetryEventFilterModel::setOutcome(const QString &outcome)
{
    if (outcome == m_outcome)
        return;
    m_outcome = outcome;
    invalidateFilter();
}

bool RetryEventFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_targetText.isEmpty()
        && !index.data(RetryEventModel::TargetRole).toString().contains(m_targetText, Qt::CaseInsensitive))
        return false;
    if (!m_errorClass.isEmpty() && index.data(RetryEventModel::ErrorClassRole).toString() != m_errorClass)
        return false;
    if (!m_outcome.isEmpty() && index.data(RetryEventModel::OutcomeRole).toString() != m_outcome)
        return false;
    return true;
}

bool RetryEventFilterModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    // Whatever the column: by time, then by id (the order the events were stored).
    const QDateTime leftAt = left.data(RetryEventModel::AtRole).toDateTime();
    const QDateTime rightAt = right.data(RetryEventModel::AtRole).toDateTime();
    if (leftAt != rightAt)
        return leftAt < rightAt;
    return left.data(RetryEventModel::EventIdRole).toLongLong() < right.data(RetryEventModel::EventIdRole).toLongLong();
}

}  // namespace tiersync
