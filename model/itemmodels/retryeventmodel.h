#pragma once

#include "store/retryeventrepository.h"

#include <QAbstractTableModel>
#include <QList>

namespace tiersync {

// The live retry log (retry_events, newest first) for the Retries page. The model
// never talks to PostgreSQL: the statistics service's retry-log answers are handed to
// addEvents(), which inserts the new rows at the top in one beginInsertRows, and drops
// the oldest beyond maxRows so a long session's log stays bounded.
class RetryEventModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RetryEventModel)

public:
    static constexpr int kDefaultMaxRows = 5000;

    enum Column { TimeColumn, TargetColumn, AttemptColumn, ErrorClassColumn, HttpStatusColumn, DelayColumn,
                  OutcomeColumn, ColumnCount };
    // Raw values for filters and tests (the display text is formatted).
    enum Role { EventIdRole = Qt::UserRole + 1, TargetRole, ErrorClassRole, OutcomeRole, AtRole };

    explicit RetryEventModel(QObject *parent = nullptr);
    ~RetryEventModel() override;

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role = Qt::DisplayRole) const override;

    // events in id order (oldest first), all newer than what the model holds; ids it
    // already holds are ignored.
    void addEvents(const QList<RetryEventRepository::Stored> &events);
    // Replaces everything (a new profile's first load).
    void setEvents(const QList<RetryEventRepository::Stored> &events);
    void setMaxRows(int maxRows);

    [[nodiscard]] const RetryEventRepository::Stored &eventAt(int row) const { return m_events.at(row); }
    [[nodiscard]] qint64 newestId() const { return m_events.isEmpty() ? 0 : m_events.first().id; }

private:
    void trim();

    QList<RetryEventRepository::Stored> m_events;  // newest first
    int m_maxRows = kDefaultMaxRows;
};

}  // namespace tiersync
