#pragma once

#include "console/replicaservice.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;

namespace tiersync::ui {

class ChannelModel;
class PagePoller;
class ScheduleModel;

// The Sync page's view of what keeps the replica fresh (issue 10): every schedule with
// its cadence, next run, last result and the feed's data lag, with Run now, Pause/Resume
// and Edit; and every CRM notification channel with its expiry and last notification.
// It asks its ReplicaService every kPollIntervalMs while it is visible (PagePoller) and
// only renders the answers; it never waits on the service.
class ReplicaPanel final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReplicaPanel)

public:
    static constexpr int kPollIntervalMs = 5000;

    // service may be null (tests of other pages): the panel then stays empty.
    explicit ReplicaPanel(ReplicaService *service, QWidget *parent = nullptr);
    ~ReplicaPanel() override;

    // A profile is active: the service gets it and polling begins (again).
    void setProfile(const tiersync::ConnectionProfile &profile);

    [[nodiscard]] ScheduleModel *scheduleModel() const { return m_schedules; }
    [[nodiscard]] ChannelModel *channelModel() const { return m_channels; }

private:
    void poll();
    void landed();
    void onSchedulesLoaded(const tiersync::ScheduleSnapshot &snapshot);
    void onChannelsLoaded(const tiersync::ChannelSnapshot &snapshot);
    void onScheduleChanged(tiersync::ReplicaService::Request request, const tiersync::Schedule &schedule);
    void onFailed(tiersync::ReplicaService::Request request, const QString &name, const tiersync::ServiceError &error);
    void runNow();
    void togglePause();
    void editSelected();
    void updateButtons();
    [[nodiscard]] int selectedRow() const;
    [[nodiscard]] QString selectedName() const;

    ReplicaService *m_service;
    ScheduleModel *m_schedules;
    ChannelModel *m_channels;
    QTableView *m_scheduleView;
    QTableView *m_channelView;
    QPushButton *m_runNow;
    QPushButton *m_pause;
    QPushButton *m_edit;
    QLabel *m_scheduleStatus;
    QLabel *m_channelStatus;
    PagePoller *m_poller;
    int m_pending = 0;  // loads of the poll in flight
};

}  // namespace tiersync::ui
