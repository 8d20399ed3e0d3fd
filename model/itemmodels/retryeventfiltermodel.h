#pragma once

#include <QSortFilterProxyModel>
#include <QString>

namespace tiersync {

// The Retries page's filters over a RetryEventModel: target text (contained, any
// case), error class and outcome (exact; empty means any). All three must match.
// Rows are sorted newest first by time, then by id: a recorder may store a batch
// after events that happened later, so id order alone is not time order.
class RetryEventFilterModel final : public QSortFilterProxyModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RetryEventFilterModel)

public:
    explicit RetryEventFilterModel(QObject *parent = nullptr);
    ~RetryEventFilterModel() override;

    void setTargetText(const QString &text);
    void setErrorClass(const QString &errorClass);
    void setOutcome(const QString &outcome);

protected:
    [[nodiscard]] bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    [[nodiscard]] bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    QString m_targetText;
    QString m_errorClass;
    QString m_outcome;
};

}  // namespace tiersync
