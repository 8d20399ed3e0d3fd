#pragma once

#include "store/webhookeventrepository.h"

#include <QAbstractTableModel>
#include <QList>

namespace tiersync {

// Webhook deliveries (webhook_events, newest first) for the Cache page: what arrived,
// how it ended and which Redis keys it invalidated. The model never talks to
// PostgreSQL: a worker loads the events off the GUI thread and hands them to
// setEvents(). A refresh with the same events only updates their cells, so a view
// keeps its selection and scroll position.
class WebhookEventModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WebhookEventModel)

public:
    enum Column { ReceivedColumn, SourceColumn, EntityTypeColumn, EntityIdColumn, OutcomeColumn,
                  InvalidatedColumn, ErrorColumn, ColumnCount };
    enum Role {
        IdempotencyKeyRole = Qt::UserRole + 1,
        OutcomeRole,          // WebhookOutcome
        InvalidatedKeysRole,  // QStringList
    };

    explicit WebhookEventModel(QObject *parent = nullptr);
    ~WebhookEventModel() override;

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role = Qt::DisplayRole) const override;

    void setEvents(const QList<WebhookEventRepository::Event> &events);
    [[nodiscard]] const WebhookEventRepository::Event &eventAt(int row) const { return m_events.at(row); }
    // -1 when the event is not listed.
    [[nodiscard]] int rowOfEvent(const QString &idempotencyKey) const;

private:
    QList<WebhookEventRepository::Event> m_events;
};

}  // namespace tiersync
